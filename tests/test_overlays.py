"""The overlays in manifests/overlays render with `kubectl kustomize` on top of the base, alone and in
every combination, into objects that validate; and each does what a team picks it for."""

from __future__ import annotations

import itertools
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml

from tests.manifest_support import (
    MANIFESTS,
    OVERLAYS,
    by_kind,
    compose,
    identity,
    only,
    overlay_names,
    render,
    validate,
)

WEBHOOK_PATHS = {"/slack/events", "/pagerduty/webhook", "/alertmanager/webhook"}
PRIVATE_PATHS = {"/healthz", "/readyz", "/metrics"}


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> dict[frozenset, list[dict]]:
    """The render of the base plus each combination of overlays, the empty one included."""
    names = overlay_names()
    combinations = [c for size in range(len(names) + 1) for c in itertools.combinations(names, size)]
    return {frozenset(c): render(compose(tmp_path_factory.mktemp("deploy"), c)) for c in combinations}


def container(objects: list[dict]) -> dict:
    (found,) = only(objects, "Deployment")["spec"]["template"]["spec"]["containers"]
    return found


def ingress_paths(objects: list[dict]) -> list[dict]:
    return [path for rule in only(objects, "Ingress")["spec"]["rules"] for path in rule["http"]["paths"]]


def test_the_overlays_are_socket_mode_ingress_and_monitoring_as_kustomize_components():
    assert overlay_names() == ["ingress", "monitoring", "socket-mode"]
    for name in overlay_names():
        kustomization = yaml.safe_load((OVERLAYS / name / "kustomization.yaml").read_text())
        assert kustomization["kind"] == "Component", name


def test_every_combination_of_overlays_renders_objects_that_validate(rendered):
    assert len(rendered) == 2 ** len(overlay_names())
    for objects in rendered.values():
        for obj in objects:
            validate(obj)


def test_the_base_renders_exactly_the_objects_in_its_files(rendered):
    files = [doc for path in sorted(MANIFESTS.glob("*.yaml")) for doc in yaml.safe_load_all(path.read_text())]
    # The Secret is a template the base leaves out; the other files there are not Kubernetes objects.
    objects = [
        doc for doc in files if isinstance(doc, dict) and "metadata" in doc and doc["kind"] != "Secret"
    ]
    assert sorted(map(identity, rendered[frozenset()])) == sorted(map(identity, objects))


def test_each_overlay_keeps_every_base_object_and_its_namespace_and_label(rendered):
    base = {identity(obj) for obj in rendered[frozenset()]}
    for objects in rendered.values():
        assert base <= {identity(obj) for obj in objects}
        for obj in objects:
            assert obj["metadata"]["labels"]["app.kubernetes.io/name"] == "llmbot", identity(obj)


def test_no_kustomization_refers_to_anything_outside_the_repository():
    for path in MANIFESTS.rglob("kustomization.yaml"):
        text = path.read_text()
        for marker in ("://", "github.com", "git@", "?ref="):
            assert marker not in text, f"{path} refers to a remote resource ({marker})"


def test_socket_mode_runs_serve_with_socket_mode_and_the_app_token_from_the_secret(rendered):
    base, socket = container(rendered[frozenset()]), container(rendered[frozenset({"socket-mode"})])
    assert socket["args"] == base["args"][:1] + ["--socket-mode"] + base["args"][1:]
    secret = base["envFrom"][0]["secretRef"]["name"]
    token = {e["name"]: e for e in socket["env"]}["SLACK_APP_TOKEN"]
    assert token["valueFrom"] == {"secretKeyRef": {"name": secret, "key": "SLACK_APP_TOKEN"}}


def test_every_secret_key_an_overlay_reads_is_in_the_secret_template(rendered):
    template = yaml.safe_load((MANIFESTS / "secret.example.yaml").read_text())
    for objects in rendered.values():
        for env in container(objects).get("env", []):
            reference = env.get("valueFrom", {}).get("secretKeyRef")
            if reference:
                assert reference["name"] == template["metadata"]["name"], env["name"]
                assert reference["key"] in template["stringData"], env["name"]


def test_socket_mode_keeps_the_http_port_probes_and_everything_but_the_bot_command(rendered):
    base, socket = rendered[frozenset()], rendered[frozenset({"socket-mode"})]
    for field in ("ports", "startupProbe", "livenessProbe", "readinessProbe", "envFrom", "volumeMounts"):
        assert container(socket)[field] == container(base)[field], field
    unchanged = [obj for obj in base if obj["kind"] != "Deployment"]
    assert [obj for obj in socket if obj["kind"] != "Deployment"] == unchanged


def test_socket_mode_exposes_nothing_outside_the_cluster(rendered):
    objects = rendered[frozenset({"socket-mode"})]
    assert by_kind(objects, "Ingress") == []
    assert [s["spec"]["type"] for s in by_kind(objects, "Service")] == ["ClusterIP"]


def test_no_combination_makes_the_service_reachable_from_outside_the_cluster(rendered):
    for objects in rendered.values():
        assert [s["spec"]["type"] for s in by_kind(objects, "Service")] == ["ClusterIP"]


def test_ingress_routes_exactly_the_webhook_paths_and_only_exact_matches(rendered):
    paths = ingress_paths(rendered[frozenset({"ingress"})])
    assert {p["path"] for p in paths} == WEBHOOK_PATHS
    assert {p["pathType"] for p in paths} == {"Exact"}
    assert not {p["path"] for p in paths} & PRIVATE_PATHS
    assert "defaultBackend" not in only(rendered[frozenset({"ingress"})], "Ingress")["spec"]


def test_ingress_serves_every_host_over_tls_with_placeholder_names(rendered):
    spec = only(rendered[frozenset({"ingress"})], "Ingress")["spec"]
    hosts = {rule["host"] for rule in spec["rules"]}
    assert {host for tls in spec["tls"] for host in tls["hosts"]} == hosts
    assert all(host.endswith(".example.com") for host in hosts)
    assert all("replace-me" in tls["secretName"] for tls in spec["tls"])


def test_ingress_backends_reach_the_deployments_http_port_through_the_service(rendered):
    objects = rendered[frozenset({"ingress"})]
    service = only(objects, "Service")
    ports = {port["name"]: port["targetPort"] for port in service["spec"]["ports"]}
    container_ports = {port["name"] for port in container(objects)["ports"]}
    for path in ingress_paths(objects):
        backend = path["backend"]["service"]
        assert backend["name"] == service["metadata"]["name"]
        assert ports[backend["port"]["name"]] in container_ports


def test_ingress_host_and_paths_are_where_the_slack_app_manifest_sends_requests(rendered):
    app = yaml.safe_load((MANIFESTS / "slack-app.yaml").read_text())
    urls = [c["url"] for c in app["features"]["slash_commands"]]
    urls.append(app["settings"]["interactivity"]["request_url"])
    spec = only(rendered[frozenset({"ingress"})], "Ingress")["spec"]
    routed = {(rule["host"], path["path"]) for rule in spec["rules"] for path in rule["http"]["paths"]}
    assert {(urlparse(url).hostname, urlparse(url).path) for url in urls} <= routed
    assert all(urlparse(url).scheme == "https" for url in urls)


def test_service_monitor_scrapes_metrics_on_the_services_http_port(rendered):
    objects = rendered[frozenset({"monitoring"})]
    monitor, service = only(objects, "ServiceMonitor"), only(objects, "Service")
    assert monitor["metadata"]["namespace"] == service["metadata"]["namespace"]
    assert monitor["spec"]["selector"]["matchLabels"].items() <= service["metadata"]["labels"].items()
    (endpoint,) = monitor["spec"]["endpoints"]
    assert endpoint["path"] == "/metrics"
    assert endpoint["port"] in {port["name"] for port in service["spec"]["ports"]}


def test_the_scrape_job_is_named_as_the_rules_expect(rendered):
    # Without spec.jobLabel the Prometheus Operator names the job after the Service.
    objects = rendered[frozenset({"monitoring"})]
    assert "jobLabel" not in only(objects, "ServiceMonitor")["spec"]
    expressions = [r["expr"] for g in only(objects, "PrometheusRule")["spec"]["groups"] for r in g["rules"]]
    job = only(objects, "Service")["metadata"]["name"]
    assert any(f'up{{job="{job}"}}' in expr for expr in expressions)


def test_monitoring_ships_the_dashboard_in_a_config_map_grafana_loads(rendered):
    dashboards = [
        cm
        for cm in by_kind(rendered[frozenset({"monitoring"})], "ConfigMap")
        if "grafana_dashboard" in cm["metadata"]["labels"]
    ]
    (config_map,) = dashboards
    assert config_map["metadata"]["labels"]["grafana_dashboard"] == "1"
    assert config_map["metadata"]["name"] == "llmbot-dashboard"
    shipped = Path(OVERLAYS / "monitoring" / "llmbot-dashboard.json").read_text()
    assert config_map["data"] == {"llmbot-dashboard.json": shipped}
