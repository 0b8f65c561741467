"""deploy/k8s read against the code, as test_compose.py reads docker-compose.yml: no cluster runs
here, so each kustomization is built with `kubectl kustomize` (part of the machine image, on CI
too: without it these tests fail, they do not skip) and its output checked — every object
against the Kubernetes 1.32 schemas (strict), environment names against the settings classes,
a TF Serving Deployment and address for each flavor under models/, probes against real routes."""

import json
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from functools import cache
from typing import Any

import kubernetes_validate
import pytest
import yaml

from devstack.processes import REPO_ROOT
from gateway.uploads import MULTIPART_SLACK_BYTES
from tests.stack.common import (
    SETTINGS,
    default_port,
    env_names,
    env_prefix,
    shipped_flavors,
    upload_limit,
)

K8S = REPO_ROOT / "deploy" / "k8s"
KUBERNETES_VERSION = "1.32.0"
# The default (deploy/k8s), the base and every overlay: found on disk, not listed.
KUSTOMIZATIONS = sorted(
    p.parent.relative_to(REPO_ROOT).as_posix()
    for p in K8S.rglob("kustomization.yaml")
    if p.parent.name != "flavors"  # a part of the base, not a deployable whole
)
SERVICE_NAMES = sorted(SETTINGS)
Obj = dict[str, Any]


@cache
def build(directory: str) -> tuple[Obj, ...]:
    kubectl = shutil.which("kubectl")
    assert kubectl, "kubectl is not on PATH: it is part of the machine image, install it"
    result = subprocess.run(
        [kubectl, "kustomize", str(REPO_ROOT / directory)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, f"kubectl kustomize {directory}:\n{result.stderr}"
    return tuple(o for o in yaml.safe_load_all(result.stdout) if o)


def of_kind(objects: tuple[Obj, ...], kind: str) -> dict[str, Obj]:
    return {o["metadata"]["name"]: o for o in objects if o["kind"] == kind}


def containers(deployment: Obj) -> list[Obj]:
    return list(deployment["spec"]["template"]["spec"]["containers"])


def pod_spec(deployment: Obj) -> Obj:
    return dict(deployment["spec"]["template"]["spec"])


def pod_labels(deployment: Obj) -> dict[str, str]:
    return dict(deployment["spec"]["template"]["metadata"]["labels"])


def container_env(objects: tuple[Obj, ...], container: Obj) -> dict[str, str]:
    """A container's environment: its ConfigMaps (envFrom), then its own entries."""
    maps = of_kind(objects, "ConfigMap")
    env: dict[str, str] = {}
    for source in container.get("envFrom", []):
        name = source["configMapRef"]["name"]
        assert name in maps, f"envFrom names a ConfigMap that is not built: {name}"
        env.update(maps[name].get("data", {}))
    env.update({e["name"]: e.get("value", "") for e in container.get("env", [])})
    return env


def tfserving(objects: tuple[Obj, ...]) -> dict[str, Obj]:
    """TF Serving Deployments by the flavor they serve (their MODEL_NAME)."""
    found = {}
    for deployment in of_kind(objects, "Deployment").values():
        for container in containers(deployment):
            if str(container["image"]).startswith("tensorflow/serving"):
                found[container_env(objects, container)["MODEL_NAME"]] = deployment
    return found


def compose() -> Obj:
    data = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())
    assert isinstance(data, dict)
    return data


def compose_env(service: str) -> dict[str, str]:
    env = compose()["services"][service]["environment"]
    return {str(k): str(v) for k, v in env.items()}


def test_kubectl_is_installed_and_every_kustomization_is_found() -> None:
    assert shutil.which("kubectl"), "kubectl is part of the machine image: install it"
    assert {"deploy/k8s", "deploy/k8s/base"} <= set(KUSTOMIZATIONS)
    assert any(k.startswith("deploy/k8s/overlays/") for k in KUSTOMIZATIONS), KUSTOMIZATIONS


@pytest.mark.parametrize("directory", KUSTOMIZATIONS)
def test_every_object_validates_strictly_against_the_kubernetes_schemas(directory: str) -> None:
    objects = build(directory)
    assert objects
    failures = []
    for obj in objects:
        try:
            kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as exc:
            failures.append(f"{obj['kind']}/{obj['metadata']['name']}: {exc.message}")
    assert failures == []


def test_the_validator_refuses_a_field_the_schema_lacks() -> None:
    bad = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "x"},
        "spec": {"ports": [{"port": 80}], "bogus": 1},
    }
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(bad, KUBERNETES_VERSION, strict=True)


@pytest.mark.parametrize("directory", KUSTOMIZATIONS)
def test_an_object_for_each_service_flavor_and_the_stack_parts(directory: str) -> None:
    objects = build(directory)
    deployments, services = of_kind(objects, "Deployment"), of_kind(objects, "Service")
    for name in [*SERVICE_NAMES, "redis"]:
        assert name in deployments and name in services, name
    flavors = shipped_flavors()
    assert flavors, "no flavor under models/"
    served = tfserving(objects)
    assert set(served) == flavors, "rerun: python scripts/compose-flavors.py --k8s"
    for flavor, deployment in served.items():
        assert deployment["metadata"]["name"] in services, flavor
    hpas = of_kind(objects, "HorizontalPodAutoscaler")
    assert len(hpas) >= 2
    scaled = {h["spec"]["scaleTargetRef"]["name"] for h in hpas.values()}
    assert {"gateway", "preprocessor", "inference"} <= scaled
    assert scaled <= set(deployments)
    assert of_kind(objects, "PersistentVolumeClaim")
    assert of_kind(objects, "NetworkPolicy")
    ingresses = of_kind(objects, "Ingress")
    assert ingresses
    for ingress in ingresses.values():
        for rule in ingress["spec"]["rules"]:
            for path in rule["http"]["paths"]:
                assert path["backend"]["service"]["name"] == "gateway"


@pytest.mark.parametrize("directory", KUSTOMIZATIONS)
def test_every_deployment_is_selected_by_its_service_and_covered_by_a_disruption_budget(
    directory: str,
) -> None:
    objects = build(directory)
    deployments = of_kind(objects, "Deployment")
    budgets = of_kind(objects, "PodDisruptionBudget")
    for name, deployment in deployments.items():
        labels = pod_labels(deployment)
        assert deployment["spec"]["selector"]["matchLabels"].items() <= labels.items(), name
        service = of_kind(objects, "Service")[name]
        assert service["spec"]["selector"].items() <= labels.items(), name
        ports = {p["name"]: p["containerPort"] for c in containers(deployment) for p in c["ports"]}
        for port in service["spec"]["ports"]:
            assert port["targetPort"] in ports, (name, port)
        covering = [
            b
            for b in budgets.values()
            if b["spec"]["selector"]["matchLabels"].items() <= labels.items()
        ]
        assert covering, f"no PodDisruptionBudget selects {name}"


@pytest.mark.parametrize("directory", KUSTOMIZATIONS)
@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_service_env_names_are_fields_of_its_settings_class(directory: str, service: str) -> None:
    objects = build(directory)
    (container,) = containers(of_kind(objects, "Deployment")[service])
    env = container_env(objects, container)
    assert env, f"{service} has no environment"
    prefix = env_prefix(service)
    assert {k for k in env if not k.startswith(prefix)} == set()
    unknown = set(env) - env_names(service)
    assert unknown == set(), f"{service}: {SETTINGS[service].__name__} has no field for {unknown}"
    # The same names and values as compose (one source: scripts/compose-flavors.py --k8s).
    expected = compose_env(service)
    if service == "inference":
        expected["INFERENCE_TFSERVING_ADDRESSES"] = env["INFERENCE_TFSERVING_ADDRESSES"]
    assert env == expected, "rerun: python scripts/compose-flavors.py --k8s"
    assert int(env.get(prefix + "PORT", default_port(service))) == default_port(service)


@pytest.mark.parametrize("directory", KUSTOMIZATIONS)
def test_services_reach_each_other_by_their_kubernetes_names(directory: str) -> None:
    objects = build(directory)
    services = of_kind(objects, "Service")
    (gateway,) = containers(of_kind(objects, "Deployment")["gateway"])
    env = container_env(objects, gateway)
    for upstream in ("catalog", "preprocessor", "inference"):
        port = default_port(upstream)
        assert env[f"GATEWAY_{upstream.upper()}_URL"] == f"http://{upstream}:{port}"
        assert port in {p["port"] for p in services[upstream]["spec"]["ports"]}
    assert env["GATEWAY_REDIS_URL"].startswith("redis://redis:6379")
    assert 6379 in {p["port"] for p in services["redis"]["spec"]["ports"]}


@pytest.mark.parametrize("directory", KUSTOMIZATIONS)
def test_inference_addresses_every_flavor_at_its_tf_serving_service(directory: str) -> None:
    objects = build(directory)
    (inference,) = containers(of_kind(objects, "Deployment")["inference"])
    env = container_env(objects, inference)
    assert env["INFERENCE_BACKEND"] == "tfserving"
    addresses = json.loads(env["INFERENCE_TFSERVING_ADDRESSES"])
    assert set(addresses) == shipped_flavors()
    services = of_kind(objects, "Service")
    for flavor, deployment in tfserving(objects).items():
        host, port = addresses[flavor].rsplit(":", 1)
        assert host == deployment["metadata"]["name"]
        assert int(port) in {p["port"] for p in services[host]["spec"]["ports"]}


def test_tf_serving_runs_as_compose_runs_it() -> None:
    objects = build("deploy/k8s/base")
    spec = compose()["x-tfserving"]
    maps = of_kind(objects, "ConfigMap")
    (config,) = [m for n, m in maps.items() if n.startswith("tfserving-config")]
    batching = (REPO_ROOT / "inference" / "tfserving" / "batching_parameters.txt").read_text()
    assert config["data"]["batching_parameters.txt"] == batching
    assert config["data"]["models.config"] == (REPO_ROOT / "models" / "models.config").read_text()
    for flavor, deployment in tfserving(objects).items():
        (container,) = containers(deployment)
        # compose's image with its defaults: ${TF_SERVING_VERSION:-2.21.0} → 2.21.0
        assert container["image"] == re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", spec["image"])
        assert container["args"] == [str(a) for a in spec["command"]]
        mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
        volumes = {v["name"]: v for v in pod_spec(deployment)["volumes"]}
        assert volumes[mounts["/config"]]["configMap"]["name"] == config["metadata"]["name"]
        # The flavor's SavedModel reaches /models/<flavor> from the models image (init container).
        (init,) = pod_spec(deployment)["initContainers"]
        assert init["image"].startswith("incline/models")
        assert f"/models/{flavor}" in init["command"]
        assert {m["name"] for m in init["volumeMounts"]} == {mounts["/models"]}


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_probes_point_at_real_routes_on_the_service_port(service: str) -> None:
    objects = build("deploy/k8s/base")
    (container,) = containers(of_kind(objects, "Deployment")[service])
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    probe_paths = {}
    for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
        get = container[probe]["httpGet"]
        assert ports[get["port"]] == default_port(service), probe
        probe_paths[probe] = get["path"]
    assert probe_paths["livenessProbe"] == "/healthz"
    assert probe_paths["readinessProbe"] == "/readyz"
    # The app's own routes, from a fresh process (the inference app imports TensorFlow's API).
    code = (
        f"import json; from {service}.app import create_app; "
        "print(json.dumps(sorted(create_app().openapi()['paths'])))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    routes = set(json.loads(result.stdout.strip().splitlines()[-1]))
    assert set(probe_paths.values()) <= routes


def test_tf_serving_probes_use_its_ports_and_its_model_status_route() -> None:
    objects = build("deploy/k8s/base")
    for flavor, deployment in tfserving(objects).items():
        (container,) = containers(deployment)
        ports = {p["name"]: p["containerPort"] for p in container["ports"]}
        assert ports == {"grpc": 8500, "http": 8501}
        assert container["livenessProbe"]["tcpSocket"]["port"] == "grpc"
        readiness = container["readinessProbe"]["httpGet"]
        assert (readiness["port"], readiness["path"]) == ("http", f"/v1/models/{flavor}")


def all_containers(objects: tuple[Obj, ...]) -> Iterator[tuple[str, Obj]]:
    for name, deployment in of_kind(objects, "Deployment").items():
        spec = pod_spec(deployment)
        for container in [*spec.get("initContainers", []), *spec["containers"]]:
            yield f"{name}/{container['name']}", container


@pytest.mark.parametrize("directory", KUSTOMIZATIONS)
def test_every_container_has_requests_and_limits_within_them(directory: str) -> None:
    for name, container in all_containers(build(directory)):
        resources = container.get("resources", {})
        for kind in ("requests", "limits"):
            assert set(resources.get(kind, {})) == {"cpu", "memory"}, (name, kind)
        assert quantity(resources["requests"]["memory"]) <= quantity(
            resources["limits"]["memory"]
        ), name
        assert quantity(resources["requests"]["cpu"]) <= quantity(resources["limits"]["cpu"]), name


def quantity(text: str) -> float:
    units = {"m": 1e-3, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30}
    for suffix, factor in units.items():
        if str(text).endswith(suffix):
            return float(str(text)[: -len(suffix)]) * factor
    return float(text)


@pytest.mark.parametrize("directory", KUSTOMIZATIONS)
def test_only_the_gateway_is_reachable_from_outside(directory: str) -> None:
    objects = build(directory)
    policies = list(of_kind(objects, "NetworkPolicy").values())
    deny_all = [
        p
        for p in policies
        if p["spec"]["podSelector"] == {}
        and "Ingress" in p["spec"]["policyTypes"]
        and not p["spec"].get("ingress")
    ]
    assert deny_all, "no default-deny ingress policy"
    deployments = of_kind(objects, "Deployment")
    for name, deployment in deployments.items():
        labels = pod_labels(deployment)
        selecting = [p for p in policies if selects(p["spec"]["podSelector"], labels)]
        open_rules = [
            rule
            for p in selecting
            for rule in p["spec"].get("ingress", [])
            if not rule.get("from")
            or any("ipBlock" in peer or "namespaceSelector" in peer for peer in rule["from"])
        ]
        if name == "gateway":
            assert open_rules, "the gateway is not reachable"
        else:
            assert open_rules == [], f"{name} is reachable from outside the namespace"
            allowed = [rule for p in selecting for rule in p["spec"].get("ingress", [])]
            assert allowed, f"nothing may reach {name}"


def selects(selector: Obj, labels: dict[str, str]) -> bool:
    if not selector.get("matchLabels", {}).items() <= labels.items():
        return False
    for expression in selector.get("matchExpressions", []):
        assert expression["operator"] == "In", expression
        if labels.get(expression["key"]) not in expression["values"]:
            return False
    return True


@pytest.mark.parametrize("directory", KUSTOMIZATIONS)
def test_the_data_volume_is_claimed_and_mounted_where_compose_mounts_it(directory: str) -> None:
    objects = build(directory)
    claims = of_kind(objects, "PersistentVolumeClaim")
    for service, spec in compose()["services"].items():
        if service not in SETTINGS:
            continue
        wants_data = any(str(v).startswith("data:/data") for v in spec.get("volumes", []))
        deployment = of_kind(objects, "Deployment")[service]
        volumes = {v["name"]: v for v in pod_spec(deployment).get("volumes", [])}
        (container,) = containers(deployment)
        mounted = {m["mountPath"]: m["name"] for m in container.get("volumeMounts", [])}
        assert ("/data" in mounted) == wants_data, service
        if wants_data:
            claim = volumes[mounted["/data"]]["persistentVolumeClaim"]["claimName"]
            assert claim in claims


def test_generated_files_are_up_to_date_with_models_and_compose() -> None:
    result = subprocess.run(
        [sys.executable, "scripts/compose-flavors.py", "--check"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr


def test_redis_runs_as_compose_runs_it() -> None:
    objects = build("deploy/k8s/base")
    (redis,) = containers(of_kind(objects, "Deployment")["redis"])
    spec = compose()["services"]["redis"]
    assert redis["image"] == spec["image"]
    assert redis["args"] == [str(a) for a in spec["command"]]



@pytest.mark.parametrize("directory", KUSTOMIZATIONS)
def test_every_upload_the_gateway_takes_gets_through_the_ingress_and_the_preprocessor(
    directory: str,
) -> None:
    """nginx's body limit above the gateway's (with the room the gateway leaves for multipart
    framing), so that too large an upload meets the gateway's 413 problem, not nginx's page; and
    the preprocessor's limit at least the gateway's, which forwards uploads as they are."""
    objects = build(directory)
    deployments = of_kind(objects, "Deployment")
    limits = {}
    for service in ("gateway", "preprocessor"):
        (container,) = containers(deployments[service])
        limits[service] = upload_limit(service, container_env(objects, container))
    assert limits["preprocessor"] >= limits["gateway"]
    ingresses = of_kind(objects, "Ingress")
    assert ingresses, "no Ingress: nothing reaches the gateway from outside"
    for ingress in ingresses.values():
        size = ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/proxy-body-size"]
        match = re.fullmatch(r"(\d+)([kmg]?)", size.lower())
        assert match, f"proxy-body-size {size!r}"
        number, unit = match.groups()
        factor = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}[unit]
        assert int(number) * factor >= limits["gateway"] + MULTIPART_SLACK_BYTES
