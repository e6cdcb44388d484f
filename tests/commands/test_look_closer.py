"""The look-closer commands through the bot's real clients on the sandbox's Kubernetes stand-in:
`pods`, `events`, `describe`, `logs pod` and `guardrails config`, their answers and files, with the
names they take checked before any URL is built and what the cluster wrote kept inert. A pod broken
for a test is healed in a `finally`: the sandbox is shared by the whole session."""

import pytest
import requests

from commands import describe, events, guardrails_config, logs_pod, pods
from commands.errors import CommandError
from commands.spec import build_request
from tests.kube_support import NS

EVIL = "<!channel> <@U0OPS1> *bold*"


def admin(sandbox, path, body=None):
    requests.post(f"{sandbox.kube.url}/_sandbox/{path}", json=body or {}, timeout=5).raise_for_status()


def text(blocks) -> str:
    return "\n".join(b["text"]["text"] for b in blocks if isinstance(b.get("text"), dict))


@pytest.fixture
def oom_pod(sandbox, deps):
    """One rag-service pod OOMKilled (and restarting), with a hostile line in a log longer than a message
    holds (whatever earlier tests did to the pod's own history)."""
    name = deps.kube.pods(NS, "rag-service")[0].name
    served = [f"INFO app: request {i} served in 412 ms" for i in range(300)]
    admin(sandbox, f"pods/{NS}/{name}/logs", {"lines": [*served, f"ERROR app: {EVIL}"]})
    admin(sandbox, f"pods/{NS}/{name}/break", {"mode": "oom"})
    try:
        yield name
    finally:
        admin(sandbox, f"pods/{NS}/{name}/fix")


def request(spec, **args):
    return build_request(spec, args, "U0OPS1")


def test_pods_of_a_deployment_show_status_ready_restarts_age_node_and_how_each_last_ended(deps, oom_pod):
    report = pods.run(request(pods.SPEC, deployment="rag-service"), deps)
    assert report.pods and all(p.name.startswith("rag-service-") for p in report.pods)
    [line] = [pods.pod_line(p, report.at) for p in report.pods if p.name == oom_pod]
    assert (
        line.startswith(f"⚠️ `{oom_pod}` CrashLoopBackOff 0/1 · ")
        and " restarts · " in line
        and " · ip-10-0-" in line
    )
    assert "last ended OOMKilled" in line
    assert pods.summary(report).startswith(
        f"⚠️ {len(report.pods) - 1}/{len(report.pods)} pods ready in rag-service"
    )


@pytest.mark.parametrize(
    "args, said",
    [
        ({"deployment": "qdrant"}, "`qdrant` is not a deployment llmbot manages; choose one of"),
        ({"deployment": "../secrets"}, "`../secrets` is not a Kubernetes Deployment name"),
    ],
)
def test_pods_take_only_the_platforms_deployments(deps, args, said):
    with pytest.raises(CommandError, match=None) as refused:
        pods.run(request(pods.SPEC, **args), deps)
    assert said in refused.value.message


def test_events_of_a_deployment_group_its_pods_warnings_by_object_and_reason(deps, oom_pod):
    report = events.run(request(events.SPEC, object="rag-service"), deps)
    groups = {(g.object, g.reason): g for g in report.groups}
    assert groups[(f"Pod/{oom_pod}", "BackOff")].message.startswith("Back-off restarting failed container")
    assert all(g.object.split("/", 1)[1].startswith("rag-service") for g in report.groups)
    assert events.summary(report).startswith("⚠️ ") and "about rag-service in the last hour" in events.summary(
        report
    )


def test_events_of_a_node_come_from_outside_the_namespace(sandbox, deps):
    node = "ip-10-0-2-21.ec2.internal"
    admin(sandbox, f"nodes/{node}/pressure", {"memory": True})
    try:
        report = events.run(request(events.SPEC, object=node), deps)
    finally:
        admin(sandbox, f"nodes/{node}/fix")
    assert (f"Node/{node}", "EvictionThresholdMet") in [(g.object, g.reason) for g in report.groups]


def test_describe_a_pod_shows_conditions_container_last_state_resources_and_events(deps, oom_pod):
    shown = text(describe.render(describe.run(request(describe.SPEC, kind="pod", name=oom_pod), deps)))
    assert (
        "*Status* CrashLoopBackOff (Running)" in shown and "*Controlled by* `ReplicaSet/rag-service-" in shown
    )
    assert "⚠️ Ready False · ContainersNotReady" in shown
    assert "Last state: terminated, OOMKilled, exit 137" in shown
    assert "Requests cpu " in shown and "⚠️ *BackOff* ×" in shown


def test_describe_a_deployment_and_a_gpu_node(deps):
    shown = text(
        describe.render(describe.run(request(describe.SPEC, kind="deployment", name="rag-service"), deps))
    )
    assert (
        "*Strategy* RollingUpdate (max surge" in shown and " Available " in shown and " Progressing " in shown
    )
    node = describe.run(request(describe.SPEC, kind="node", name="ip-10-0-1-11.ec2.internal"), deps)
    shown = text(describe.render(node))
    assert (
        "*GPUs* 8" in shown and "*Node group* a100-node-group" in shown and "✅ MemoryPressure False" in shown
    )


def test_describe_refuses_a_deployment_the_platform_does_not_manage_and_a_name_that_is_not_one(deps):
    with pytest.raises(CommandError, match="`qdrant` is not a deployment llmbot manages"):
        describe.run(request(describe.SPEC, kind="deployment", name="qdrant"), deps)
    with pytest.raises(CommandError, match="is not a Kubernetes name"):
        request(describe.SPEC, kind="pod", name="rag-service?watch=true")


def test_logs_of_the_previous_container_show_the_tail_inline_inert_and_the_whole_as_a_file(deps, oom_pod):
    log = logs_pod.run(request(logs_pod.SPEC, name=oom_pod, previous=True, since="7d"), deps)
    blocks = logs_pod.render(log)
    assert blocks[0]["text"]["text"] == f"Logs of {oom_pod}"
    assert "(previous container, last 7d)" in blocks[1]["text"]["text"]
    inline = blocks[2]["text"]["text"]
    assert (
        inline.startswith("```\n")
        and "&lt;!channel&gt; &lt;@U0OPS1&gt;" in inline
        and "<!channel>" not in inline
    )
    assert "Memory usage at" in inline  # what the OOMKilled container said last
    [upload] = logs_pod.files(log)
    assert upload.filename == f"{oom_pod}-previous-7d.log" and upload.content.count("\n") == len(log.lines)
    assert len(logs_pod.tail(log)) < len(log.lines)


def test_logs_take_a_window_and_names_they_can_use(deps):
    with pytest.raises(CommandError, match="`forever` is not a --since"):
        request(logs_pod.SPEC, name="rag-service-x", since="forever")
    with pytest.raises(CommandError, match="is not a Kubernetes container name"):
        request(logs_pod.SPEC, name="rag-service-x", container="A B")


def test_guardrails_config_shows_every_key_of_the_config_map(deps):
    config = guardrails_config.run(request(guardrails_config.SPECS[0]), deps)
    assert config.data["toxicity_threshold"] and "pii_detection" in config.data
    shown = text(guardrails_config.render(config))
    assert "• `pii_detection`: `" in shown and "ConfigMap `guardrails-config` in `llm-inference`" in shown


def test_each_look_closer_command_answers_in_the_channel_in_valid_block_kit(bot, deps):
    pod = deps.kube.pods(NS, "rag-service")[0].name
    asked = {
        "pods rag-service": "Pods of rag-service",
        "events rag-service": "Warning events, last hour",
        "describe deployment rag-service": "Deployment rag-service",
        f"describe pod {pod}": f"Pod {pod}",
        "describe node ip-10-0-1-11.ec2.internal": "Node ip-10-0-1-11.ec2.internal",
        "guardrails config": "Guardrails settings",
        f"logs pod {pod} --since 7d": f"Logs of {pod}",
    }
    for command in asked:
        assert bot.slash(command, user="U0VIEW").json()["text"].startswith("⏳ Working on")
    answers = bot.wait_for_posts(len(asked), channel="C0PLATFORM", where=lambda m: m["kind"] == "post")
    assert sorted(m["blocks"][0]["text"]["text"] for m in answers) == sorted(asked.values())
    assert all(m["ok"] for m in bot.posted("C0PLATFORM"))
    [log_file] = [m for m in bot.posted("C0PLATFORM") if m["kind"] == "file"]
    assert log_file["file"]["name"] == f"{pod}-7d.log" and log_file["thread_ts"]
