"""The container image and the Kubernetes manifests, validated offline (no cluster here).

Every manifest validates against the Kubernetes API schemas (kubernetes-validate, strict, the
release below); KEDA's objects, which those schemas do not know, against the fields KEDA
requires. Then what the deployment must keep true: a worker Deployment and a ScaledObject per
queue, one beat, probes on the health endpoints, grace periods longer than a task may run,
PodDisruptionBudgets, no secret values in the files, and a slim, non-root, multi-stage image.
"""

from __future__ import annotations

import re

import jsonschema
import kubernetes_validate
import pytest
import yaml

import celeryconfig
from domain.jobkinds import QUEUES
from tests.conftest import REPO_ROOT

pytestmark = pytest.mark.unit
K8S = REPO_ROOT / "deploy" / "k8s"
KUBERNETES_VERSION = "1.30.0"
KEDA_KINDS = {"ScaledObject", "TriggerAuthentication"}
KEDA_SCHEMA = {
    "ScaledObject": {
        "type": "object",
        "required": ["spec"],
        "properties": {
            "spec": {
                "type": "object",
                "required": ["scaleTargetRef", "triggers"],
                "properties": {
                    "scaleTargetRef": {"type": "object", "required": ["name"]},
                    "minReplicaCount": {"type": "integer", "minimum": 0},
                    "maxReplicaCount": {"type": "integer", "minimum": 1},
                    "triggers": {
                        "type": "array",
                        "minItems": 1,
                        "items": {"type": "object", "required": ["type", "metadata"]},
                    },
                },
            }
        },
    },
    "TriggerAuthentication": {
        "type": "object",
        "required": ["spec"],
        "properties": {"spec": {"type": "object", "required": ["secretTargetRef"]}},
    },
}


def documents() -> list[dict]:
    """Every manifest as `kubectl apply -k` would send it (the migrate Job as it is): the
    kustomization's labels added and its image names replaced. That is all the kustomization
    does (no patches), and no kustomize binary is available here to render it.
    """
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    labels = {key: value for entry in kustomization["labels"] for key, value in entry["pairs"].items()}
    images = {image["name"]: f"{image['newName']}:{image['newTag']}" for image in kustomization["images"]}
    found = []
    for path in sorted(K8S.rglob("*.yaml")):
        if path.name == "kustomization.yaml":
            continue
        for doc in yaml.safe_load_all(path.read_text()):
            if doc and path.name in kustomization["resources"]:
                doc["metadata"].setdefault("labels", {}).update(labels)
                for container in _containers_of(doc):
                    container["image"] = images.get(container["image"], container["image"])
            if doc:
                found.append(doc)
    return found


def _containers_of(doc: dict) -> list[dict]:
    spec = doc.get("spec", {})
    if doc["kind"] == "CronJob":
        spec = spec["jobTemplate"]["spec"]
    return spec.get("template", {}).get("spec", {}).get("containers", [])


def of_kind(kind: str) -> list[dict]:
    return [doc for doc in documents() if doc["kind"] == kind]


def by_name(kind: str) -> dict[str, dict]:
    return {doc["metadata"]["name"]: doc for doc in of_kind(kind)}


def pod_spec(doc: dict) -> dict:
    spec = doc["spec"]
    return (spec["jobTemplate"]["spec"] if doc["kind"] == "CronJob" else spec)["template"]["spec"]


def containers(doc: dict) -> list[dict]:
    return pod_spec(doc)["containers"]


@pytest.mark.parametrize("doc", documents(), ids=lambda doc: f"{doc['kind']}/{doc['metadata']['name']}")
def test_every_manifest_validates(doc):
    if doc["kind"] in KEDA_KINDS:
        assert doc["apiVersion"] == "keda.sh/v1alpha1"
        jsonschema.validate(doc, KEDA_SCHEMA[doc["kind"]])
    else:
        kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)


def test_the_validation_catches_a_misspelt_field():
    web = by_name("Deployment")["aiversant-web"]
    broken = {**web, "spec": {**web["spec"], "replica": 2}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES_VERSION, strict=True)


def test_rendering_gives_every_container_the_release_image():
    for doc in documents():
        for container in _containers_of(doc):
            assert container["image"].startswith("ghcr.io/ai-versant/backend:"), doc["metadata"]["name"]


def test_the_kustomization_lists_every_manifest_but_the_migrate_job():
    listed = set(yaml.safe_load((K8S / "kustomization.yaml").read_text())["resources"])
    assert listed == {path.name for path in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    assert (K8S / "jobs" / "migrate.yaml").exists()


def test_each_queue_has_a_worker_scaled_on_its_redis_list_with_a_grace_period_over_the_time_limit():
    deployments = by_name("Deployment")
    scaled = {doc["spec"]["scaleTargetRef"]["name"]: doc for doc in of_kind("ScaledObject")}
    for queue in QUEUES:
        name = f"aiversant-worker-{queue}"
        (container,) = containers(deployments[name])
        command = container["command"]
        assert command[command.index("-Q") + 1] == queue
        grace = deployments[name]["spec"]["template"]["spec"]["terminationGracePeriodSeconds"]
        assert grace > celeryconfig.task_time_limit
        (trigger,) = scaled[name]["spec"]["triggers"]
        assert (trigger["type"], trigger["metadata"]["listName"]) == ("redis", queue)
    assert set(scaled) == {f"aiversant-worker-{queue}" for queue in QUEUES}


def test_one_beat_probes_on_the_health_endpoints_and_an_autoscaled_web():
    beat = by_name("Deployment")["aiversant-beat"]["spec"]
    assert (beat["replicas"], beat["strategy"]["type"]) == (1, "Recreate")
    (web,) = containers(by_name("Deployment")["aiversant-web"])
    assert web["readinessProbe"]["httpGet"]["path"] == "/health/ready"
    assert web["livenessProbe"]["httpGet"]["path"] == "/health/live"
    hpa = by_name("HorizontalPodAutoscaler")["aiversant-web"]["spec"]
    assert hpa["metrics"][0]["resource"]["name"] == "cpu"
    budgets = {
        doc["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"] for doc in of_kind("PodDisruptionBudget")
    }
    assert {"aiversant-web", "aiversant-beat"} | {f"aiversant-worker-{q}" for q in QUEUES} <= budgets


def test_config_comes_from_the_config_map_and_secrets_only_from_a_secret_kept_elsewhere():
    assert not of_kind("Secret")
    config = by_name("ConfigMap")["aiversant-config"]["data"]
    secret_names = {"SECRET_KEY", "MONGO_URI", "REDIS_URL", "AWS_SECRET_ACCESS_KEY", "BREVO_API_KEY", "METRICS_TOKEN"}
    assert not secret_names & set(config)
    for doc in documents():
        if doc["kind"] in {"Deployment", "CronJob", "Job"}:
            for container in containers(doc):
                refs = [ref.get("secretRef", {}).get("name") for ref in container.get("envFrom", [])]
                assert "aiversant-secrets" in refs, doc["metadata"]["name"]
                assert not secret_names & {env["name"] for env in container.get("env", [])}


def test_backups_go_to_their_own_bucket_with_credentials_only_the_backup_job_holds():
    config = by_name("ConfigMap")["aiversant-config"]["data"]
    assert config["BACKUP_BUCKET"] != config["S3_BUCKET"]
    for doc in documents():
        if doc["kind"] in {"Deployment", "CronJob", "Job"}:
            for container in containers(doc):
                refs = [ref.get("secretRef", {}).get("name") for ref in container.get("envFrom", [])]
                if doc["metadata"]["name"] == "aiversant-backup":
                    assert refs[-1] == "aiversant-backup-secrets"  # last: its AWS keys replace the shared ones
                else:
                    assert "aiversant-backup-secrets" not in refs, doc["metadata"]["name"]


def test_every_setting_in_the_config_map_is_a_documented_variable():
    from dotenv import dotenv_values

    documented = set(dotenv_values(REPO_ROOT / ".env.example"))
    config = set(by_name("ConfigMap")["aiversant-config"]["data"])
    assert config - {"REDIS_ADDRESS"} <= documented  # REDIS_ADDRESS is KEDA's, not the app's


def test_every_pod_runs_as_a_user_that_is_not_root():
    for doc in documents():
        if doc["kind"] in {"Deployment", "CronJob", "Job"}:
            spec = doc["spec"]
            pod = (
                spec["jobTemplate"]["spec"]["template"]["spec"]
                if doc["kind"] == "CronJob"
                else spec["template"]["spec"]
            )
            assert pod["securityContext"]["runAsNonRoot"] is True, doc["metadata"]["name"]


def test_the_image_is_multi_stage_slim_non_root_and_carries_its_model():
    dockerfile = (REPO_ROOT / "Dockerfile").read_text()
    stages = re.findall(r"^FROM (\S+)", dockerfile, flags=re.MULTILINE)
    assert len(stages) >= 2
    assert all("slim" in image for image in stages)
    assert re.search(r"^USER 10001", dockerfile, flags=re.MULTILINE)
    assert "verify_model" in dockerfile  # the speech model is checked at build, not fetched at start
    assert not re.search(r"^(ENV|ARG) .*(SECRET|PASSWORD|API_KEY)", dockerfile, flags=re.MULTILINE)
    ignored = (REPO_ROOT / ".dockerignore").read_text().split()
    assert {".env", ".venv", "var", ".git"} <= set(ignored)
    compose = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())
    assert compose["x-app"]["build"] == "."
