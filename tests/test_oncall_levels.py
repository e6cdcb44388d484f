"""The escalation matrix names its levels and `oncall.pagerduty_levels` numbers them: Manager (P0's
third step) and Team Lead (P1's and P2's last) sit on distinct PagerDuty levels by default, moving one
moves it everywhere it is used, and the sandbox's PagerDuty policy has someone on every default level."""

import pytest
from pydantic import ValidationError

from commands.oncall_policy import PAGERDUTY_LEVELS, OnCallPolicy
from sandbox.pagerduty_data import LEVELS, PEOPLE


def path(policy: OnCallPolicy, severity: str) -> list[tuple[str, int]]:
    return [(level.name, level.pagerduty_level) for level in policy.escalation[severity].levels]


def test_manager_and_team_lead_are_distinct_levels_by_default():
    policy = OnCallPolicy()
    assert path(policy, "P0") == [("Primary", 1), ("Secondary", 2), ("Manager", 3), ("CTO", 5)]
    assert path(policy, "P1") == [("Primary", 1), ("Secondary", 2), ("Team Lead", 4)]
    assert path(policy, "P2") == [("Primary", 1), ("Team Lead", 4)]
    assert path(policy, "P3") == [("Primary", 1)]


def test_a_configured_level_moves_that_role_in_every_severity_that_uses_it():
    policy = OnCallPolicy.model_validate({"pagerduty_levels": {**PAGERDUTY_LEVELS, "Team Lead": 6}})
    assert path(policy, "P1")[-1] == path(policy, "P2")[-1] == ("Team Lead", 6)
    assert path(policy, "P0")[2] == ("Manager", 3)


def test_a_matrix_may_name_levels_or_spell_them_out_and_an_unknown_name_is_refused():
    policy = OnCallPolicy.model_validate(
        {"escalation": {"P0": {"levels": ["Primary", {"name": "Duty Director", "pagerduty_level": 7}]}}}
    )
    assert path(policy, "P0") == [("Primary", 1), ("Duty Director", 7)]
    with pytest.raises(ValidationError, match="escalation level 'Boss' is not in oncall.pagerduty_levels"):
        OnCallPolicy.model_validate({"escalation": {"P1": {"levels": ["Primary", "Boss"]}}})


def test_the_sandbox_policy_has_the_default_roles_on_their_levels():
    names = {level: name for _, name, _, level, _ in PEOPLE if level}
    assert set(PAGERDUTY_LEVELS.values()) <= set(LEVELS)
    assert (names[PAGERDUTY_LEVELS["Manager"]], names[PAGERDUTY_LEVELS["Team Lead"]]) == (
        "Mia Manager",
        "Tara Lead",
    )


def test_the_weekly_report_item_is_ticked_by_the_report_not_by_the_incident_report():
    policy = OnCallPolicy()
    for severity in ("P1", "P2"):
        [item] = [i for i in policy.checklists[severity] if i.text == "Document in the weekly report"]
        assert item.observes == "weekly"
    assert [i.observes for i in policy.checklists["P0"] if i.observes == "report"] == ["report"]
