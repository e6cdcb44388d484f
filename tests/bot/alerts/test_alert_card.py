"""The alert group's message: what Alertmanager wrote is escaped, the links go to the runbook, the
expression in Prometheus and Grafana, the buttons follow the state (Silence while firing, the
maintenance-window one only while maintenance is on, Unsilence while silenced), and Slack's limits hold."""

import re

from bot.alerts import card
from bot.alerts.payload import group_id
from bot.state.alerts import AlertGroup
from tests.bot.alerts.engine import GRAFANA
from tests.bot.alerts.notifications import PROMETHEUS, alert, resolved

NOW = 1_740_823_260.0


def group(*alerts, **fields) -> AlertGroup:
    found = alerts or (alert(),)
    state = "firing" if any(a["status"] == "firing" for a in found) else "resolved"
    return AlertGroup(id=group_id("g"), group_key="g", alerts=list(found), state=state, **fields)


def text_of(blocks) -> str:
    return str(blocks)


def actions(blocks) -> list[str]:
    return [e["action_id"] for b in blocks if b["type"] == "actions" for e in b["elements"]]


def test_the_message_names_severity_alert_labels_summary_description_and_links():
    _, blocks = card.message(group(alert(pod="vllm-llama-3-70b-0")), GRAFANA, NOW, None)
    shown = text_of(blocks)
    assert blocks[0]["text"]["text"] == "🔴 CRITICAL · VLLMHighErrorRate"
    for part in ("*Namespace*\\nllm-inference", "*Service*\\nvllm-llama-3-70b", "*Pod*\\nvllm-llama-3-70b-0"):
        assert part in shown
    assert "20% of requests failing" in shown and "&gt; More than 5% of vLLM requests fail" not in shown
    assert "> More than 5% of vLLM requests fail" in shown
    assert (
        "|📖 Runbook>" in shown
        and f"<{PROMETHEUS}/graph?g0.expr=" in shown
        and f"<{GRAFANA}|📊 Grafana>" in shown
    )


def test_everything_alertmanager_wrote_is_escaped():
    hostile = alert(summary="<!channel> <https://evil.example|click> & more", pod="<@U0OPS1>")
    hostile["annotations"]["description"] = "*bold* <!here>"
    text, blocks = card.message(group(hostile), GRAFANA, NOW, None)
    shown = text_of(blocks)
    assert "<!channel>" not in shown and "<!here>" not in shown and "<@U0OPS1>" not in shown
    assert "&lt;!channel&gt; &lt;https://evil.example|click&gt; &amp; more" in shown
    assert "<" not in text


def test_a_firing_group_has_silence_buttons_and_the_window_one_only_during_maintenance():
    assert actions(card.message(group(), GRAFANA, NOW, None)[1]) == [card.SILENCE_1H, card.SILENCE_4H]
    during = card.message(group(), GRAFANA, NOW, NOW + 1800)[1]
    assert actions(during) == [card.SILENCE_1H, card.SILENCE_4H, card.SILENCE_WINDOW]


def test_a_silenced_group_says_who_until_when_and_offers_unsilence():
    silenced = group(silence_id="s-1", silenced_by="@U0OPS1", silenced_until=NOW + 3600)
    blocks = card.message(silenced, GRAFANA, NOW, None)[1]
    assert f"🔕 silenced by <@U0OPS1> until <!date^{int(NOW + 3600)}^" in text_of(blocks)
    assert actions(blocks) == [card.UNSILENCE]


def test_a_silence_that_ended_is_not_shown():
    ended = group(silence_id="s-1", silenced_by="@U0OPS1", silenced_until=NOW - 1)
    assert "🔕" not in text_of(card.message(ended, GRAFANA, NOW, None)[1])


def test_a_resolved_group_says_so_and_has_no_buttons():
    blocks = card.message(group(resolved(alert())), GRAFANA, NOW, None)[1]
    assert blocks[0]["text"]["text"] == "✅ Resolved · VLLMHighErrorRate"
    assert "All resolved" in text_of(blocks) and actions(blocks) == []


def test_a_large_group_stays_within_slacks_limits():
    many = [alert(fingerprint=f"{i:016x}", pod=f"vllm-{i}" * 20, summary="x" * 400) for i in range(300)]
    blocks = card.message(group(*many), GRAFANA, NOW, None)[1]
    assert all(len(f["text"]) <= 2000 for b in blocks for f in b.get("fields", []))
    assert all(len(b["text"]["text"]) <= 3000 for b in blocks if b["type"] == "section" and "text" in b)
    assert re.search(r"…and \d+ more\n> More than 5%", blocks[2]["text"]["text"])


def test_the_critical_line_links_the_alerts_channel_by_id_or_names_it():
    assert "<#C0ALERTS>" in card.critical_line(group(), "C0ALERTS")[0]
    assert "#llm-platform-alerts" in card.critical_line(group(), "llm-platform-alerts")[0]
