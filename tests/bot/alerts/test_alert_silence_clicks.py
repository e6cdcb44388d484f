"""The Silence / Unsilence / Expire buttons on the ack path: they only check the clicker and the value
and commit a job (Alertmanager is called by the job, never in the ack); viewers are refused with a
clear line and an audit row; the window button needs maintenance going on."""

from bot.alerts import card
from bot.alerts.silences import SILENCE_JOB
from bot.interactions import Click
from commands.alerts import EXPIRE
from integrations.alertmanager import AlertmanagerClient
from tests.bot.alerts.engine import Engine, group_of
from tests.bot.alerts.notifications import alert

GROUP = group_of(alert())
NOWHERE = AlertmanagerClient("http://127.0.0.1:9")  # never called on the ack path


def click(action_id: str, role: str = "operator", value: str = GROUP) -> Click:
    return Click(
        action_id, value, "U0OPS1", "C0ALERTS", "https://hooks.example/r/1", message_ts="1.2", role=role
    )


def engine(tmp_path, window_end=lambda now: None, alertmanager=NOWHERE) -> Engine:
    running = Engine(tmp_path / "db", window_end, alertmanager=alertmanager)
    running.deliver(alert())
    return running


def test_a_viewer_is_refused_with_a_clear_line_and_an_audit_row(tmp_path):
    running = engine(tmp_path)
    fx = running.click(running.silences.on_silence, click(card.SILENCE_1H, role="viewer"))
    assert fx.jobs == () and "needs the operator role (yours: viewer)" in fx.reply
    assert [(a.user, a.verb, a.outcome) for a in running.store.audit_entries()] == [
        ("U0OPS1", "alert silence", "refused")
    ]


def test_silence_for_an_hour_commits_a_job_naming_the_clicker_and_the_end(tmp_path):
    running = engine(tmp_path)
    fx = running.click(running.silences.on_silence, click(card.SILENCE_1H))
    [job] = fx.jobs
    assert job.kind == SILENCE_JOB
    assert {k: job.payload[k] for k in ("action", "group", "until", "user", "verb")} == {
        "action": "silence",
        "group": GROUP,
        "until": running.clock.time() + 3600,
        "user": "U0OPS1",
        "verb": "alert silence",
    }
    assert job.payload["link"] == "https://slack.com/archives/C0ALERTS/p12"
    assert fx.reply.startswith("🔕 Silencing `VLLMHighErrorRate` in Alertmanager until <!date^")


def test_silence_for_four_hours_ends_four_hours_from_now(tmp_path):
    running = engine(tmp_path)
    [job] = running.click(running.silences.on_silence, click(card.SILENCE_4H)).jobs
    assert job.payload["until"] == running.clock.time() + 4 * 3600


def test_the_window_button_silences_until_the_window_ends_and_only_during_maintenance(tmp_path):
    running = engine(tmp_path, window_end=lambda now: now + 1234)
    [job] = running.click(running.silences.on_silence, click(card.SILENCE_WINDOW)).jobs
    assert job.payload["until"] == running.clock.time() + 1234
    quiet = engine(tmp_path / "quiet")
    fx = quiet.click(quiet.silences.on_silence, click(card.SILENCE_WINDOW))
    assert fx.jobs == () and "No maintenance window is open" in fx.reply


def test_an_unknown_or_malformed_group_is_refused(tmp_path):
    running = engine(tmp_path)
    for value in ("0" * 20, "x" * 10**4, "²" * 20, ""):
        fx = running.click(running.silences.on_silence, click(card.SILENCE_1H, value=value))
        assert fx.jobs == () and "not known to the bot" in fx.reply


def test_without_alertmanager_configured_the_clicker_is_told(tmp_path):
    running = engine(tmp_path, alertmanager=None)
    fx = running.click(running.silences.on_silence, click(card.SILENCE_1H))
    assert fx.jobs == () and "Alertmanager is not configured" in fx.reply


def test_unsilence_of_a_group_that_is_not_silenced_changes_nothing(tmp_path):
    running = engine(tmp_path)
    fx = running.click(running.silences.on_unsilence, click(card.UNSILENCE))
    assert fx.jobs == () and "not silenced" in fx.reply


def test_unsilence_commits_a_job_expiring_the_groups_silence(tmp_path):
    running = engine(tmp_path)
    running.store.run_step(
        lambda: running.groups.silenced(GROUP, "sil-9", "@U0OPS2", 2e9), running.clock.time()
    )
    [job] = running.click(running.silences.on_unsilence, click(card.UNSILENCE)).jobs
    assert (job.payload["action"], job.payload["silence"], job.payload["verb"]) == (
        "expire",
        "sil-9",
        "alert unsilence",
    )


def test_expire_refuses_a_value_that_is_not_a_silence_id_and_viewers(tmp_path):
    running = engine(tmp_path)
    assert "not a silence id" in running.click(running.silences.on_expire, click(EXPIRE, value="a b")).reply
    viewer = running.click(running.silences.on_expire, click(EXPIRE, role="viewer", value="3f1c-9a"))
    assert viewer.jobs == () and "needs the operator role" in viewer.reply
