"""Small Block Kit builders shared by the report commands: a header, mrkdwn sections that stay under
Slack's 3,000-character limit, a context line, and escaping for text that came from outside."""

from __future__ import annotations

SECTION_LIMIT = 2900  # Slack refuses a section's text over 3,000 characters; keep a margin


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


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
