"""What the bot repeats cannot ping anyone: for each family of answers, text from outside (pod, node and
service names, log lines, backend errors, titles, reasons, user arguments) carrying `<!channel>` and a
mention comes out inert in the blocks and in the notification text, and code-like values keep their `*`."""

from datetime import datetime, timedelta, timezone

import pytest

from commands import (
    canary_status,
    cost,
    gpu,
    guardrails,
    guardrails_export,
    incident_review,
    logs,
    maintenance,
    maintenance_text,
    schedule_list,
    security,
    status,
    waste,
    weekly,
)
from commands.deploy import DEPLOY
from commands.errors import CommandError
from commands.maintenance_windows import Window
from commands.scale import check_deployment
from commands.spec import build_request
from integrations.aws_models import PolicyVersion, ServiceCost
from integrations.kube_models import DeploymentInfo

EVIL = "<!channel> <@U0OPS1> *bold*"
INERT = "&lt;!channel&gt; &lt;@U0OPS1&gt; *bold*"
AT = datetime(2025, 3, 1, 12, tzinfo=timezone.utc)


def words(blocks: list[dict]) -> str:
    """Every text a reader sees in the blocks."""
    found = []
    for block in blocks:
        found += [block[k]["text"] for k in ("text",) if k in block]
        found += [e.get("text", "") for e in block.get("elements", []) if isinstance(e.get("text"), str)]
    return "\n".join(found)


def assert_inert(*texts: str) -> None:
    for text in texts:
        assert "<!channel>" not in text and "<@U0OPS1>" not in text
        assert INERT in text or "&lt;!channel&gt;" in text


def test_status_lines_from_pods_and_alerts_are_inert():
    line = status.Line(key="alerts", title="Critical alerts", state="fail", text=EVIL, details=[EVIL])
    report = status.StatusReport(at=AT, lines=[line])
    assert_inert(words(status.render(report)), status.render_text(report))


def test_cost_service_names_are_inert():
    report = cost.CostReport(
        period="yesterday",
        start=AT.date(),
        end=AT.date() + timedelta(days=1),
        services=[ServiceCost(service=EVIL, usd=12.0)],
        budget=cost.Budget(usd=3500, tolerance=0.1),
        estimated=False,
    )
    assert_inert(words(cost.render(report)), cost.render_text(report))


def test_waste_resource_names_and_backend_errors_are_inert():
    item = waste.Item(name=f"vol-{EVIL}", detail=EVIL, monthly_usd=3.0)
    report = waste.WasteReport(
        parts=[waste.Part(title="Volumes", items=[item]), waste.Part(title="LBs", missing=EVIL)]
    )
    assert_inert(words(waste.render(report)), waste.render_text(report))


def test_gpu_node_and_model_names_are_inert():
    report = gpu.GpuReport(
        at=AT,
        gpus=[gpu.Gpu(node=EVIL, index=0, name=EVIL, uuid="u", util=50.0)],
        hot_celsius=83,
        idle_percent=5,
    )
    assert_inert(words(gpu.render(report)), gpu.render_text(report))


def test_guardrail_violation_types_and_exported_pods_are_inert():
    count = guardrails.Count(violation_type=EVIL, risk_level=EVIL, now=2, before=1)
    report = guardrails.Violations(window="24h", counts=[count])
    export = guardrails_export.SafetyExport(since=AT, pods=[EVIL], lines=[], unread={EVIL: EVIL})
    assert_inert(words(guardrails.render(report)), guardrails.render_text(report))
    assert_inert(words(guardrails_export.render_export(export)), guardrails_export.render_export_text(export))


def test_log_lines_are_inert_and_their_patterns_keep_their_stars():
    pattern = logs.Pattern(pattern=f"ec2:* {EVIL}", count=2, first=AT, last=AT, example=EVIL)
    report = logs.ErrorReport(
        window="24h",
        scope="app=vllm",
        pods=[EVIL],
        by_pod={EVIL: 2},
        patterns=[pattern],
        lines=[],
        unread={EVIL: EVIL},
    )
    assert_inert(words(logs.render(report)), logs.render_text(report))
    assert f"`ec2:* {INERT}`" in words(logs.render(report))


def test_iam_actions_keep_their_asterisk_in_backticks_and_statement_names_are_inert():
    policy = PolicyVersion(
        name="p",
        arn="arn",
        version_id="v1",
        statements=[{"Sid": EVIL, "Effect": "Allow", "Action": ["ec2:*"], "Resource": "*"}],
    )
    findings = [f for _, f in security.wildcards(policy)]
    audit = security.Audit(
        parts=[
            security.Part(
                title="IAM policy",
                state="fail",
                summary="1 wildcard statement(s)",
                findings=findings,
            )
        ]
    )
    assert findings == [f"{INERT}: wildcard action `ec2:*` on `*`"]
    assert_inert(words(security.render(audit)), security.render_text(audit))


def test_maintenance_reasons_and_who_cancelled_are_inert():
    window = Window(
        key="k", start=AT, end=AT + timedelta(hours=4), zone="UTC", reason=EVIL, source="scheduled"
    )
    answer = maintenance.WindowAnswer(headline="📅 Next maintenance window", windows=[window])
    assert_inert(words(maintenance.render(answer)), maintenance.render_text(answer))
    assert_inert(
        maintenance_text.announcement(window, "llm-inference"), maintenance_text.cancelled(window, EVIL)
    )


def test_schedule_incident_review_and_weekly_notes_are_inert():
    coming = schedule_list.Coming(zone="UTC", items=[(AT, EVIL)])
    line = incident_review.IncidentLine(
        number=7, title=EVIL, severity="P1", status="resolved", report_done=False
    )
    review = incident_review.IncidentReview(since=AT, incidents=[line])
    report = weekly.WeeklyReport(at=AT, rows=[], history_start=None, daily={}, notes=[EVIL])
    assert_inert(words(schedule_list.render(coming)), schedule_list.render_text(coming))
    assert_inert(words(incident_review.render(review)), incident_review.render_text(review))
    assert_inert(words(weekly.render(report)), weekly.render_text(report))


def test_canary_status_images_and_prometheus_errors_are_inert():
    def info(name: str) -> DeploymentInfo:
        return DeploymentInfo(
            name=name,
            replicas=1,
            ready_replicas=1,
            updated_replicas=1,
            available_replicas=1,
            image=f"vllm/x:{EVIL}",
            generation=1,
            observed_generation=1,
            revision="1",
        )

    result = canary_status.CanaryStatus(
        name="c", canary=info("c"), stable=info("s"), analysis=None, analysis_error=EVIL
    )
    assert_inert(words(canary_status.render_status(result)), canary_status.render_text(result))


def test_user_arguments_echoed_in_a_refusal_are_inert():
    with pytest.raises(CommandError) as refused:
        build_request(DEPLOY, {"deployment": "rag-service", "image": f"vllm/x:1{EVIL}"}, "U0OPS1")
    assert_inert(refused.value.message)
    with pytest.raises(CommandError) as refused:
        build_request(maintenance.SPECS[1], {"date": EVIL, "span": "02:00-04:00"}, "U0OPS1")
    assert_inert(refused.value.message)


def test_a_deployment_name_echoed_in_a_refusal_is_inert(deps):
    with pytest.raises(CommandError) as refused:
        check_deployment(EVIL, deps)
    assert_inert(refused.value.message)
