"""Small Block Kit builders shared by the report commands: a header, mrkdwn sections that stay under
Slack's 3,000-character limit, a context line, and escaping for text that came from outside."""

from __future__ import annotations

SECTION_LIMIT = 2900  # Slack refuses a section's text over 3,000 characters; keep a margin


def escape(text: object) -> str:
    """Text from outside (titles, notes, annotations, log lines, arguments) as inert mrkdwn: Slack reads
    `<...>` as a mention, a channel ping or a link, so `&`, `<` and `>` become entities."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def code(value: object) -> str:
    """A code-like value (an image, `ec2:*`, a pattern) in backticks, so `*` and `_` stay themselves."""
    inner = escape(value).replace("`", "'").replace("\n", " ")
    return f"`{inner}`" if inner else "``"


def when(ts: float, fmt: str = "{time}") -> str:
    """A time Slack shows in each reader's own zone, with a UTC fallback."""
    from datetime import datetime, timezone

    fallback = datetime.fromtimestamp(ts, timezone.utc).strftime("%H:%M UTC")
    return f"<!date^{int(ts)}^{fmt}|{fallback}>"


def link(url: str, label: str) -> str:
    """A mrkdwn link to an http(s) URL; anything else shows the label alone."""
    if not url.startswith(("https://", "http://")):
        return escape(label)
    return f"<{escape(url).replace('|', '%7C')}|{escape(label).replace('|', '¦')}>"


def mention(user: str) -> str:
    """A Slack user id as a mention; anything that is not an id is shown as inert text."""
    return f"<@{user}>" if _is_user_id(user) else escape(user)


def actor(who: str) -> str:
    """Who did something: "@U0OPS1" (a Slack user, as the bot records people) becomes a mention; a name
    PagerDuty or a schedule gave ("Jane Doe", "llmbot") stays inert text."""
    return f"<@{who[1:]}>" if who.startswith("@") and _is_user_id(who[1:]) else escape(who)


def _is_user_id(user: str) -> bool:
    return 2 < len(user) <= 20 and user[0] in "UW" and user.isalnum() and user.isupper()


def header(text: str) -> dict:
    return {"type": "header", "text": {"type": "plain_text", "text": text[:150]}}


def section(text: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:SECTION_LIMIT] or " "}}


def context(text: str) -> dict:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text[:SECTION_LIMIT]}]}


def listing(title: str, lines: list[str], limit: int = SECTION_LIMIT) -> dict:
    """One section: a bold title and as many lines as fit, then how many did not."""
    text, shown = f"*{title}*", 0
    for line in lines:
        if len(text) + len(line) + 40 > limit:
            break
        text, shown = f"{text}\n{line}", shown + 1
    if shown < len(lines):
        text += f"\n…and {len(lines) - shown} more"
    return section(text)


def money(usd: float) -> str:
    return f"${usd:,.0f}" if abs(usd) >= 100 else f"${usd:,.2f}"


def button(
    text: str, action_id: str, value: str, style: str | None = None, confirm: dict | None = None
) -> dict:
    """A button; `style` is "primary" or "danger", `confirm` a Block Kit confirmation dialog."""
    found: dict = {"type": "button", "action_id": action_id, "value": value}
    found["text"] = {"type": "plain_text", "text": text[:75]}
    if style:
        found["style"] = style
    if confirm:
        found["confirm"] = confirm
    return found


def actions(elements: list[dict], block_id: str | None = None) -> dict:
    block: dict = {"type": "actions", "elements": elements}
    if block_id:
        block["block_id"] = block_id[:255]
    return block


def checklist(
    head: str, texts: list[str], key: str, ticks: dict, action_id: str, block_id: str
) -> list[dict]:
    """A section saying how many of `texts` are done, a checkbox per text (value `key|index`) with the
    ticked ones (`ticks`: index -> a tick with `ticked_by` and `ticked_at`) ticked for everyone, and a
    line per tick saying who ticked it and when."""
    options = [
        {"text": {"type": "mrkdwn", "text": escape(text)[:75]}, "value": f"{key}|{i}"}
        for i, text in enumerate(texts)
    ]
    box: dict = {"type": "checkboxes", "action_id": action_id, "options": options}
    ticked = sorted(i for i in ticks if i < len(texts))
    if ticked:
        box["initial_options"] = [options[i] for i in ticked]
    blocks = [section(f"{head} ({len(ticked)}/{len(texts)} done)"), actions([box], block_id)]
    who = [f"✓ {escape(texts[i])}: {actor(ticks[i].ticked_by)} {when(ticks[i].ticked_at)}" for i in ticked]
    if who:
        blocks.append(context("\n".join(who)))
    return blocks
