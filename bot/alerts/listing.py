"""`/llm alerts` and `/llm silences`: the ack only commits a job (Alertmanager is never read in the
ack); the job asks Alertmanager, falls back to Prometheus' `ALERTS` for the alerts and says so, and
posts the answer where it was asked."""

from __future__ import annotations

from bot import messages
from bot.errors import unavailable
from bot.interactions import Asked
from bot.state import Effects, JobResult, NewJob
from commands import alerts as listing
from commands.blockkit import section
from integrations.errors import IntegrationError

LIST_JOB = "alert-list"


class Listing:
    def __init__(self, client, prom):
        self._client, self._prom = client, prom

    def on_alerts(self, asked: Asked) -> Effects:
        return Effects.of(
            NewJob(LIST_JOB, {**asked.job, "what": "alerts"}), reply="⏳ Asking what fires now…"
        )

    def on_silences(self, asked: Asked) -> Effects:
        job = NewJob(LIST_JOB, {**asked.job, "what": "silences"})
        return Effects.of(job, reply="⏳ Asking Alertmanager for its silences…")

    def run(self, job) -> JobResult:
        p = job.payload
        try:
            text, blocks = self._alerts() if p["what"] == "alerts" else self._silences()
        except IntegrationError as exc:
            return JobResult("unavailable", Effects.of(messages.ephemeral(p, unavailable(exc))), exc.message)
        return JobResult("ok", Effects.of(messages.answer(p, blocks, text, key=f"job:{job.id}:answer")))

    def _alerts(self) -> tuple[str, list[dict]]:
        if self._client is None:
            note = "Alertmanager is not configured; this is Prometheus' view."
        else:
            try:
                found = self._client.alerts(active=True, silenced=True, inhibited=True)
            except IntegrationError as exc:
                note = f"{unavailable(exc)} This is Prometheus' view instead."
            else:
                firing = [listing.from_alertmanager(a) for a in found]
                return listing.firing_text(firing, "Alertmanager"), listing.render_firing(
                    firing, "Alertmanager"
                )
        firing = [listing.from_prometheus(s) for s in self._prom.vector(listing.FIRING_QUERY)]
        return listing.firing_text(firing, "Prometheus", note), listing.render_firing(
            firing, "Prometheus", note
        )

    def _silences(self) -> tuple[str, list[dict]]:
        if self._client is None:
            text = "⚠️ Alertmanager is not configured (`alertmanager.url`), so there are no silences to list."
            return text, [section(text)]
        found = self._client.silences()
        return listing.silences_text(found), listing.render_silences(found)
