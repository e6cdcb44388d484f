"""What the demo chat shows of the Slack stand-in's records: each message's latest version (what a
click is made on), other channels' messages kept unread until you look there, private answers only to
the person they were for, and uploaded files saved to a folder with their path shown."""

from __future__ import annotations

from pathlib import Path

from sandbox import blocktext
from sandbox.slack_sender import CHANNEL_NAMES

PRIVATE = ("ephemeral", "response_url")


class View:
    def __init__(self, slack, files: Path):
        self.slack, self.files = slack, files
        self.seen = 0  # the last record read
        self._latest: dict[tuple[str, str], dict] = {}
        self._unread: dict[str, dict[str, dict]] = {}  # channel -> message key -> its latest version

    def fresh(self) -> list[dict]:
        """Records since the last call, refused ones left out."""
        records = self.slack.messages(after=self.seen)
        for record in records:
            self.seen = max(self.seen, record["seq"])
            if record.get("ok", True) and record["kind"] in ("post", "update") and record.get("ts"):
                key = (record["channel"], record["ts"])
                self._latest[key] = {**self._latest.get(key, {}), **_present(record)}
        return [r for r in records if r.get("ok", True)]

    def latest(self, channel: str, message: dict) -> dict:
        """The message as Slack holds it now (a click carries that, not the version first printed)."""
        return self._latest.get((channel, message.get("ts") or ""), message)

    def take_unread(self, channel: str) -> list[dict]:
        return list(self._unread.pop(channel, {}).values())

    def show(self, record: dict, user: str, channel: str, buttons: list[blocktext.Button]) -> list[str]:
        kind = record["kind"]
        private = kind in PRIVATE and record.get("response_type") != "in_channel"
        if private:
            return self._private(record, user, buttons)
        if kind == "file":
            return self._file(record, channel)
        message = _present(record) if kind == "post" else self.latest(record["channel"], record)
        if record["channel"] != channel:
            return self._elsewhere(record, message)
        who = "bot (edited)" if kind == "update" else "bot"
        return _lines(who, message, record["channel"], buttons)

    def _private(self, record: dict, user: str, buttons: list[blocktext.Button]) -> list[str]:
        if record.get("user") != user or not (record.get("text") or record.get("blocks")):
            return []  # someone else's, or "delete the original" with nothing to show
        return _lines("(only you) bot", record, record["channel"], buttons)

    def _elsewhere(self, record: dict, message: dict) -> list[str]:
        channel = record["channel"]
        as_posted = {"seq": record["seq"], "kind": "post", "ok": True, **message, "channel": channel}
        self._unread.setdefault(channel, {})[record.get("ts") or str(record["seq"])] = as_posted
        if record["kind"] != "post" or record.get("thread_ts"):
            return []  # edits and thread replies wait until you look
        first = next(iter(blocktext.mrkdwn(message.get("text") or "").splitlines()), "")
        return [f"bot in {_name(channel)}: {first[:100]}  (:channel {channel} to look)"]

    def _file(self, record: dict, channel: str) -> list[str]:
        path = self._save(record["file"])
        where = "" if record["channel"] == channel else f" in {_name(record['channel'])}"
        indent = "    " if record.get("thread_ts") else ""
        comment = blocktext.mrkdwn(record.get("text") or "")
        lines = [
            f"{indent}bot (file){where}: {record['file'].get('title') or record['file']['name']} → {path}"
        ]
        return lines + [f"{indent}  {line}" for line in comment.splitlines()]

    def _save(self, file: dict) -> Path:
        """The file's bytes as the bot sent them, under the demo's folder (a name taken: id-prefixed)."""
        self.files.mkdir(parents=True, exist_ok=True)
        content = self.slack.file_bytes(file["id"])
        if content is None:
            content = (file.get("content") or "").encode()
        path = self.files / Path(file["name"]).name
        if path.exists() and path.read_bytes() != content:
            path = self.files / f"{file['id']}-{path.name}"
        path.write_bytes(content)
        return path


def _present(record: dict) -> dict:
    message = {
        k: record[k] for k in ("channel", "ts", "thread_ts", "text", "blocks", "metadata") if record.get(k)
    }
    message.setdefault("blocks", [])
    return {"type": "message", **message}


def _lines(who: str, message: dict, channel: str, buttons: list[blocktext.Button]) -> list[str]:
    indent = "    " if message.get("thread_ts") else ""
    return [f"{indent}{who}:", *blocktext.render(message, channel, buttons, indent + "  ")]


def _name(channel: str) -> str:
    return f"#{CHANNEL_NAMES.get(channel, channel)}"
