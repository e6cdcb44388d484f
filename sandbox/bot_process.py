"""`llmbot serve` as a real process against the sandbox, for the crash tests and the benches: started
on a config file and a state file, optionally told to die at a named crash point (LLMBOT_CRASH_AT),
killed and restarted on the same state, and waited on until its work is done (polling with a
deadline: it is an outside process)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests
import yaml

from bot.crash import ENV, EXIT_CODE
from bot.state import Store
from sandbox.platform import Sandbox, free_port


class BotProcess:
    def __init__(self, sandbox: Sandbox, workdir: Path, **overrides):
        self.port, self.db = free_port(), workdir / "llmbot.db"
        document = sandbox.config(db=self.db, port=self.port)
        document["slack"]["pace_seconds"] = 0  # the tests count posts, not Slack's pace
        for section, values in overrides.items():
            document[section] = {**document.get(section, {}), **values}
        self.config = workdir / "config.yaml"
        self.config.write_text(yaml.safe_dump(document))
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None
        self.log = workdir / "serve.log"
        self.starts = 0

    def start(self, crash_at: str | None = None) -> "BotProcess":
        self.starts += 1
        env = {k: v for k, v in os.environ.items() if k != ENV}
        if crash_at:
            env[ENV] = crash_at
        with self.log.open("a") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot.cli", "serve", "--config", str(self.config)],
                stdout=log,
                stderr=log,
                env=env,
            )
        self._wait_ready()
        return self

    def _wait_ready(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return  # died at a crash point during start-up: the caller restarts it
            try:
                if requests.get(f"{self.url}/readyz", timeout=1).status_code == 200:
                    return
            except requests.ConnectionError:
                time.sleep(0.05)
        raise AssertionError(f"llmbot serve never became ready; log:\n{self.log.read_text()[-3000:]}")

    @property
    def crashed(self) -> bool:
        return self.process is not None and self.process.poll() == EXIT_CODE

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        if self.alive():
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=20)

    def kill(self) -> None:
        if self.alive():
            self.process.kill()
            self.process.wait(timeout=10)

    def idle(self) -> bool:
        """Nothing left to do: every stored event applied, no job waiting or running, no post unsent."""
        store = Store(self.db)
        try:
            busy = store.jobs("pending") + store.jobs("running")
            unsent = store.posts("pending") + store.posts("sending")
            events = [e for e in store.inbox() if e.state == "pending"]
            return not (busy or unsent or events)
        finally:
            store.close()

    def wait_until(self, predicate, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return
            if not self.alive():
                raise Died
            time.sleep(0.05)
        raise AssertionError(f"condition not met; log tail:\n{self.log.read_text()[-3000:]}")


class Died(Exception):
    """The process under test died (at its crash point) while a step waited on it."""
