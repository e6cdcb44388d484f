"""The `/llm` verbs for PagerDuty incidents and on-call. They read the bot's own incident rows (or
ask PagerDuty in a worker job), so the Slack adapter answers them through the incident engine."""

from commands.spec import Arg, CommandSpec

NUMBER = Arg("number", "the PagerDuty incident number, e.g. 4211", kind="int", minimum=1)

SPECS = (
    CommandSpec(
        name="incident list",
        summary="List open incidents with severity, age and state",
        example="/llm incident list",
    ),
    CommandSpec(
        name="incident report",
        summary="Draft (again) an incident's report into its thread",
        example="/llm incident report 4211",
        role="operator",
        args=(NUMBER,),
    ),
    CommandSpec(
        name="incident note",
        summary="Add a note to an incident in PagerDuty (shown in its thread)",
        example="/llm incident note 4211 rolled back to the previous image",
        role="operator",
        args=(NUMBER, Arg("text", "the note; the rest of the line", rest=True)),
    ),
    CommandSpec(name="oncall", summary="Who holds each escalation level now", example="/llm oncall"),
)
