"""JSON logs, one object per line, carrying the request id of the request being served and never a
secret: every configured secret value and anything shaped like a Slack token is masked."""

from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
import uuid
from datetime import datetime, timezone

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")
_TOKEN = re.compile(r"xox[abposr]-[0-9A-Za-z-]+|xapp-[0-9A-Za-z-]+")
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


def new_request_id() -> str:
    value = uuid.uuid4().hex[:12]
    request_id.set(value)
    return value


class JsonFormatter(logging.Formatter):
    def __init__(self, secrets: list[str] | None = None):
        super().__init__()
        self._secrets = [s for s in (secrets or []) if len(s) >= 6]

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if request_id.get():
            entry["request_id"] = request_id.get()
        entry.update({k: v for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_")})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return self.redact(json.dumps(entry, default=str, ensure_ascii=False))

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "********")
        return _TOKEN.sub("xox*-********", text)


def configure(secrets: list[str], level: int = logging.INFO, stream=None) -> None:
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("urllib3", "botocore", "kubernetes", "slack_bolt", "waitress"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
