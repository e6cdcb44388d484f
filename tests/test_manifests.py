"""Checks on manifests/ and the Dockerfile: schema-valid, least-privilege RBAC, a safe pod."""

import copy
import posixpath
import re
from pathlib import Path
from urllib.parse import urlparse

import kubernetes_validate
import yaml

from tests.manifest_support import KUBERNETES_VERSION

REPO = Path(__file__).resolve().parent.parent
MANIFESTS = REPO / "manifests"
# Files in manifests/ that are not Kubernetes objects the API server would accept.
NOT_KUBERNETES = {
    "slack-app.yaml",
    "slack-app-socket-mode.yaml",
    "required-permissions.yaml",
    "kustomization.yaml",
}


def load_yaml_documents(path):
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc is not None]


def kubernetes_files():
    return sorted(p for p in MANIFESTS.glob("*.yaml") if p.name not in NOT_KUBERNETES)


def kubernetes_objects():
    return [doc for path in kubernetes_files() for doc in load_yaml_documents(path)]


def objects_of_kind(kind):
    return [doc for doc in kubernetes_objects() if doc["kind"] == kind]


def only_object_of_kind(kind):
    (found,) = objects_of_kind(kind)
    return found


def load_required_permissions():
    """The Kubernetes API calls the bot makes, as listed in manifests/required-permissions.yaml."""
    return yaml.safe_load((MANIFESTS / "required-permissions.yaml").read_text())


def load_slack_app(name="slack-app.yaml"):
    """A Slack app manifest, as a dict."""
    return yaml.safe_load((MANIFESTS / name).read_text())


def without_request_urls(app):
    """The app as Socket Mode needs it: the same app, no URL for Slack to call."""
    socket = copy.deepcopy(app)
    for command in socket["features"]["slash_commands"]:
        del command["url"]
    del socket["settings"]["interactivity"]["request_url"]
    socket["settings"]["socket_mode_enabled"] = True
    return socket


def strings_in(value):
    if isinstance(value, dict):
        return [s for item in value.values() for s in strings_in(item)]
    if isinstance(value, list):
        return [s for item in value for s in strings_in(item)]
    return [value] if isinstance(value, str) else []


def slack_request_paths(app):
    """Every URL path Slack will POST to, per the app manifest."""
    urls = [command["url"] for command in app["features"]["slash_commands"]]
    urls.append(app["settings"]["interactivity"]["request_url"])
    return {urlparse(url).path for url in urls}


def granted(rules, scope):
    return {
        (group, resource, verb, scope)
        for rule in rules
        for group in rule.get("apiGroups", [])
        for resource in rule.get("resources", [])
        for verb in rule.get("verbs", [])
    }


def llmbot_container():
    (container,) = only_object_of_kind("Deployment")["spec"]["template"]["spec"]["containers"]
    return container


def dockerfile_final_stage():
    text = (REPO / "Dockerfile").read_text()
    stages = re.split(r"(?im)^FROM\s", text)
    return stages[-1]


def test_every_kubernetes_manifest_is_valid_for_the_pinned_version_in_strict_mode():
    objects = kubernetes_objects()
    assert len(objects) >= 9
    for obj in objects:
        kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)


def test_every_namespaced_object_lives_in_llm_inference_and_carries_the_app_label():
    cluster_scoped = {"ClusterRole", "ClusterRoleBinding"}
    for obj in kubernetes_objects():
        assert obj["metadata"]["labels"]["app.kubernetes.io/name"] == "llmbot"
        if obj["kind"] not in cluster_scoped:
            assert obj["metadata"]["namespace"] == "llm-inference", obj["kind"]


def test_kustomization_applies_every_kubernetes_manifest_except_the_secret_template():
    kustomization = yaml.safe_load((MANIFESTS / "kustomization.yaml").read_text())
    expected = {p.name for p in kubernetes_files()} - {"secret.example.yaml"}
    assert set(kustomization["resources"]) == expected


def test_roles_grant_exactly_the_required_permissions():
    required = {
        (entry["apiGroup"], entry["resource"], verb, entry["scope"])
        for entry in load_required_permissions()
        for verb in entry["verbs"]
    }
    namespaced = [rule for role in objects_of_kind("Role") for rule in role["rules"]]
    cluster = [rule for role in objects_of_kind("ClusterRole") for rule in role["rules"]]
    assert granted(namespaced, "namespaced") | granted(cluster, "cluster") == required


def test_roles_use_no_resource_names_or_non_resource_urls():
    for role in objects_of_kind("Role") + objects_of_kind("ClusterRole"):
        for rule in role["rules"]:
            assert set(rule) == {"apiGroups", "resources", "verbs"}, rule


def test_bindings_give_the_roles_to_the_service_account_the_deployment_runs_as():
    account = only_object_of_kind("Deployment")["spec"]["template"]["spec"]["serviceAccountName"]
    for binding_kind, role_kind in (("RoleBinding", "Role"), ("ClusterRoleBinding", "ClusterRole")):
        binding = only_object_of_kind(binding_kind)
        assert binding["roleRef"]["kind"] == role_kind
        assert binding["roleRef"]["name"] == only_object_of_kind(role_kind)["metadata"]["name"]
        assert binding["subjects"] == [
            {"kind": "ServiceAccount", "name": account, "namespace": "llm-inference"}
        ]


def test_service_account_carries_the_irsa_role_annotation():
    annotations = only_object_of_kind("ServiceAccount")["metadata"]["annotations"]
    assert annotations["eks.amazonaws.com/role-arn"].startswith("arn:aws:iam::")


def test_deployment_runs_one_replica_and_recreates_it_for_the_single_sqlite_writer():
    spec = only_object_of_kind("Deployment")["spec"]
    assert (spec["replicas"], spec["strategy"]) == (1, {"type": "Recreate"})


def test_deployment_runs_as_non_root_with_a_read_only_root_filesystem():
    pod = only_object_of_kind("Deployment")["spec"]["template"]["spec"]
    container = llmbot_container()["securityContext"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] != 0
    assert container["readOnlyRootFilesystem"] is True
    assert container["allowPrivilegeEscalation"] is False
    assert container["capabilities"] == {"drop": ["ALL"]}
    assert container["seccompProfile"] == {"type": "RuntimeDefault"}


def test_deployment_probes_healthz_for_liveness_and_readyz_for_readiness():
    container = llmbot_container()
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}


def test_deployment_mounts_the_state_volume_claim_at_the_directory_of_llmbot_db():
    container = llmbot_container()
    database = {e["name"]: e.get("value") for e in container["env"]}["LLMBOT_DB"]
    mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
    volumes = only_object_of_kind("Deployment")["spec"]["template"]["spec"]["volumes"]
    claims = {
        v["name"]: v["persistentVolumeClaim"]["claimName"] for v in volumes if "persistentVolumeClaim" in v
    }
    claim = only_object_of_kind("PersistentVolumeClaim")["metadata"]["name"]
    assert claims[mounts[posixpath.dirname(database)]] == claim


def test_deployment_takes_secrets_from_the_secret_and_config_from_the_config_map():
    container = llmbot_container()
    volumes = only_object_of_kind("Deployment")["spec"]["template"]["spec"]["volumes"]
    config_maps = {v["name"]: v["configMap"]["name"] for v in volumes if "configMap" in v}
    config_mount = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}["/etc/llmbot"]
    assert container["envFrom"] == [
        {"secretRef": {"name": only_object_of_kind("Secret")["metadata"]["name"]}}
    ]
    assert config_maps[config_mount] == only_object_of_kind("ConfigMap")["metadata"]["name"]
    assert container["args"] == ["serve", "--config", "/etc/llmbot/config.yaml"]


def test_secret_template_holds_only_placeholder_values():
    values = only_object_of_kind("Secret")["stringData"].values()
    assert all("REPLACE-ME" in value for value in values)


def test_slack_app_sends_the_llm_command_and_interactivity_to_slack_events():
    app = load_slack_app()
    assert [c["command"] for c in app["features"]["slash_commands"]] == ["/llm"]
    assert slack_request_paths(app) == {"/slack/events"}


def test_dockerfile_final_stage_runs_as_a_non_root_user_without_build_tools():
    final = dockerfile_final_stage()
    users = re.findall(r"(?im)^USER\s+(\S+)", final)
    assert users and users[-1] not in {"root", "0"}
    assert not re.search(r"gcc|build-essential|g\+\+|make\b", final)
    assert re.search(r'(?im)^ENTRYPOINT\s+\["llmbot"\]', final)


def test_slack_app_manifest_matches_the_code():
    from bot.app import http_paths
    from bot.slack import COMMAND

    routes = set(http_paths("POST"))
    app = load_slack_app()
    assert slack_request_paths(app) <= routes
    assert [c["command"] for c in app["features"]["slash_commands"]] == [COMMAND]


def test_socket_mode_slack_app_is_the_http_app_without_request_urls():
    http, socket = load_slack_app(), load_slack_app("slack-app-socket-mode.yaml")
    assert http["settings"]["socket_mode_enabled"] is False
    assert socket == without_request_urls(http)
    assert not [s for s in strings_in(socket) if "://" in s]


def test_socket_mode_slack_app_sends_the_command_the_code_serves_with_interactivity_on():
    from bot.slack import COMMAND

    app = load_slack_app("slack-app-socket-mode.yaml")
    assert [c["command"] for c in app["features"]["slash_commands"]] == [COMMAND]
    assert app["settings"]["interactivity"] == {"is_enabled": True}
    assert "commands" in app["oauth_config"]["scopes"]["bot"]
