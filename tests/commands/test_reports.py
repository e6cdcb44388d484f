"""The pure parts of the guardrails, error-log and security reports: trends, pattern folding,
wildcard findings and registry checks."""

from datetime import datetime, timezone

from commands import guardrails, logs, podlogs, security
from integrations.aws_models import PolicyVersion


def test_trend_compares_against_the_previous_period_and_says_when_there_is_none():
    assert [guardrails.trend(n, b) for n, b in ((110, 100), (100, 100), (80, 100), (5, 0), (5, None))] == [
        "↑ +10%",
        "→ +0%",
        "↓ -20%",
        "new",
        "no earlier data",
    ]


def test_numbers_ids_and_hex_fold_so_similar_lines_share_a_pattern():
    assert logs.normalise("Request cmpl-4711 timed out after 60s") == "Request cmpl-<n> timed out after <n>s"
    assert (
        logs.normalise("Tried to allocate 12.00 GiB (GPU 2; 79.15 GiB total capacity)")
        == "Tried to allocate <n> GiB (GPU <n>; <n> GiB total capacity)"
    )
    assert (
        logs.normalise("trace 550e8400-e29b-41d4-a716-446655440000 span 3f2a9c1e7b8d at 0x7ffe12 in deadbeef")
        == "trace <uuid> span <hex> at <hex> in deadbeef"
    )


def test_the_platforms_deployment_names_are_kept_whole_while_other_numbers_fold():
    keep = ("vllm-llama-3-70b", "vllm-llama-3-70b-canary", "rag-service")
    assert (
        logs.normalise("upstream vllm-llama-3-70b-canary timed out after 30s (cmpl-4711)", keep)
        == "upstream vllm-llama-3-70b-canary timed out after <n>s (cmpl-<n>)"
    )
    assert (
        logs.normalise("upstream vllm-llama-3-70b timed out", keep) == "upstream vllm-llama-3-70b timed out"
    )


def test_one_error_line_reads_in_the_singular():
    line = podlogs.parse_line("vllm-0", "2024-05-01T10:00:00Z ERROR api: Request cmpl-1 timed out after 60s")
    report = logs.ErrorReport(
        window="1h",
        scope="app=vllm",
        pods=["vllm-0"],
        by_pod={"vllm-0": 1},
        patterns=logs.group([line]),
        lines=[line],
        unread={},
    )
    assert logs.summary(report) == "⚠️ 1 ERROR line in 1 pattern over the last 1h from 1 pod (app=vllm)"


def test_lines_are_grouped_by_pattern_most_frequent_first_with_first_and_last_seen():
    raw = [
        "2024-05-01T10:00:00Z ERROR api: Request cmpl-1 timed out after 60s",
        "2024-05-01T11:00:00Z ERROR engine: CUDA out of memory on GPU 2",
        "2024-05-01T12:30:00Z ERROR api: Request cmpl-2 timed out after 60s",
    ]
    lines = [podlogs.parse_line("pod-a", r) for r in raw]
    [first, second] = logs.group(lines)
    assert (first.pattern, first.count, first.first, first.last) == (
        "api: Request cmpl-<n> timed out after <n>s",
        2,
        datetime(2024, 5, 1, 10, tzinfo=timezone.utc),
        datetime(2024, 5, 1, 12, 30, tzinfo=timezone.utc),
    )
    assert (second.pattern, second.count) == ("engine: CUDA out of memory on GPU <n>", 1)


def test_a_line_without_the_usual_prefix_is_kept_whole():
    line = podlogs.parse_line("pod-a", "Traceback (most recent call last):")
    assert (line.at, line.level, line.text) == (None, None, "Traceback (most recent call last):")


def test_wildcard_actions_fail_and_wildcard_resources_warn_in_backticks_while_deny_statements_pass():
    policy = PolicyVersion(
        name="p",
        arn="arn",
        version_id="v3",
        statements=[
            {"Sid": "All", "Effect": "Allow", "Action": "*", "Resource": "*"},
            {
                "Sid": "Ec2",
                "Effect": "Allow",
                "Action": ["ec2:Describe*"],
                "Resource": ["arn:aws:ec2:*:1:instance/*"],
            },
            {"Sid": "Ce", "Effect": "Allow", "Action": "ce:GetCostAndUsage", "Resource": "*"},
            {"Sid": "Guard", "Effect": "Deny", "Action": "*", "Resource": "*"},
            {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "arn:aws:s3:::b/*"},
        ],
    )
    assert security.wildcards(policy) == [
        ("fail", "All: wildcard action `*` on `*`"),
        ("fail", "Ec2: wildcard action `ec2:Describe*` on `arn:aws:ec2:*:1:instance/*`"),
        ("warn", "Ce: `ce:GetCostAndUsage` on every resource (`*`)"),
    ]


def test_images_count_as_allowed_only_under_a_listed_registry_prefix_with_hub_short_names_as_docker_io():
    allowed = ["vllm/", "ghcr.io/example/"]
    assert [
        security.outside(i, allowed)
        for i in (
            "vllm/vllm-openai:v0.3.0",
            "ghcr.io/example/rag:1",
            "ghcr.io/examples/rag:1",
            "docker.io/vllm/vllm-openai",
            "evil.example.com/vllm/vllm-openai:v1",
            "vllmx/vllm-openai:v1",
        )
    ] == [False, False, True, False, True, True]


def test_incident_report_charts_one_png_per_metric_with_data():
    from commands.incident_report import Stat, charts

    stats = [
        Stat(name="Error rate", points=[(1_700_000_000 + 60 * i, 0.002 + i / 1e4) for i in range(10)]),
        Stat(name="p95 latency", points=[(1_700_000_000 + 60 * i, 1.8) for i in range(10)]),
        Stat(name="Throughput", error="Prometheus did not answer"),
    ]
    pngs, note = charts(stats)
    assert [name for name, _ in pngs] == ["Error rate", "p95 latency"]
    assert all(png.startswith(b"\x89PNG\r\n\x1a\n") for _, png in pngs)
    assert note == "Charts: Error rate, p95 latency (attached PNGs)."
    assert charts(stats[2:]) == ([], "_No chart: Prometheus had no data for the window._")
