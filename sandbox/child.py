"""A server binary run as the sandbox's child process (Prometheus, Alertmanager): on a free loopback
port, waited for until its readiness endpoint answers, and never outliving the process that started it.
"""

from __future__ import annotations

import atexit
import ctypes
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable
from urllib.error import URLError
from urllib.request import urlopen

Command = Callable[[int], list[str]]  # the command line for a given port


class ChildExited(RuntimeError):
    """The child ended before it was ready (most often: its free port was taken meanwhile)."""


class ChildServer:
    """One child at a time; start() returns its base URL once `ready_path` answers 200."""

    def __init__(self, name: str, log: Path, ready_path: str = "/-/ready", ready_timeout: float = 30.0):
        self.name, self.log, self.ready_path, self.ready_timeout = name, log, ready_path, ready_timeout
        self.url: str | None = None
        self._process: subprocess.Popen | None = None
        atexit.register(self.stop)

    def start(self, command: Command) -> str:
        try:
            return self._launch(command)
        except ChildExited:
            return self._launch(command)  # the free port was taken between probe and bind: once more

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def _launch(self, command: Command) -> str:
        port = free_port()
        with self.log.open("ab") as log:
            self._process = subprocess.Popen(
                command(port),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                preexec_fn=_die_with_parent,
            )
        self._wait_ready(f"http://127.0.0.1:{port}")
        self.url = f"http://127.0.0.1:{port}"
        return self.url

    def _wait_ready(self, url: str) -> None:
        deadline = time.monotonic() + self.ready_timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                self._process = None
                raise ChildExited(f"{self.name} exited early; see {self.log}")
            if answers(f"{url}{self.ready_path}"):
                return
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"{self.name} not ready after {self.ready_timeout:.0f}s; see {self.log}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def answers(url: str) -> bool:
    try:
        with urlopen(url, timeout=1) as response:
            return response.status == 200
    except (URLError, OSError):
        return False


def _die_with_parent() -> None:
    """Ask Linux to SIGTERM the child when this process dies, so no server outlives a crash."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
