"""Helpers for `tutor class` tests and its benchmark: the server as a real process, headless learners.

`ClassProcess` runs `tutor class serve` on a loopback port with its own data folder and can be
killed with SIGKILL and started again on the same port and folder (the learners keep their URL).
`Learner` is the project's own join client (tutor.classroom.client) without the app: a folder, a
membership and a ClassClient whose pushes are recorded.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

import httpx

from serve_support import wait_for
from tutor.classroom.client import ClassClient, Membership

ROOT = Path(__file__).resolve().parents[1]
JOIN = re.compile(r"(http://\S+/join\?token=\S+)")
BOARD = re.compile(r"(http://\S+/\?token=\S+)")


def free_port() -> int:
    """A loopback port free right now (the server is restarted on the same one)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ClassProcess:
    """`tutor class serve` in a subprocess with TUTOR_DATA_DIR=`folder`."""

    def __init__(self, folder: Path, *args: str, port: int | None = None, lang: str = "en") -> None:
        self.folder = folder
        self.args = args
        self.port = port or free_port()
        self.lang = lang
        self.process: subprocess.Popen | None = None
        self.start()

    def start(self, timeout: float = 30.0) -> None:
        env = {**os.environ, "TUTOR_DATA_DIR": str(self.folder)}
        argv = [sys.executable, "-m", "tutor", "class", "serve", "--port", str(self.port), "--lang", self.lang,
                *self.args]
        self.process = subprocess.Popen(argv, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, text=True)
        self.stdout: list[str] = []
        self.stderr: list[str] = []
        for stream, lines in ((self.process.stdout, self.stdout), (self.process.stderr, self.stderr)):
            threading.Thread(target=_collect, args=(stream, lines), daemon=True).start()
        self.join_url = wait_for(lambda: self._printed(JOIN), timeout, "the join URL")
        self.board_url = wait_for(lambda: self._printed(BOARD), timeout, "the board URL")
        self.origin = f"http://127.0.0.1:{self.port}"
        self.join_token = self.join_url.rsplit("=", 1)[1]
        self.instructor_token = self.board_url.rsplit("=", 1)[1]

    def _printed(self, pattern: re.Pattern) -> str | None:
        if self.process.poll() is not None:
            raise AssertionError(f"tutor class serve exited {self.process.returncode}: {''.join(self.stderr)[-2000:]}")
        for line in list(self.stdout):
            match = pattern.search(line)
            if match:
                return match.group(1)
        return None

    def kill9(self) -> None:
        """SIGKILL, as a crash or a pulled plug would end it."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def close(self) -> int:
        """Ctrl+C (SIGINT) and wait; SIGKILL if it hangs. Returns the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode

    def http(self, token: str | None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.origin, headers=headers, timeout=5.0, trust_env=False)

    def board(self) -> dict:
        with self.http(self.instructor_token) as http:
            answer = http.get("/api/v1/board")
            answer.raise_for_status()
            return answer.json()

    def push(self, **body) -> dict:
        with self.http(self.instructor_token) as http:
            answer = http.post("/api/v1/push", json=body)
            answer.raise_for_status()
            return answer.json()


def _collect(stream, lines: list[str]) -> None:
    for line in stream:
        lines.append(line)


class Learner:
    """A headless learner: own data folder, membership of the class at `join_url`, a running client."""

    def __init__(self, folder: Path, join_url: str, name: str) -> None:
        self.folder = folder
        self.membership = Membership.new(join_url, name)
        self.membership.save(folder)
        self.pushes: list[dict] = []
        self.client = ClassClient(folder, self.membership, on_push=self.pushes.append)
        self.client.start()

    @property
    def id(self) -> str:
        return self.membership.learner

    def send(self, kind: str, **fields) -> None:
        self.client.send(kind, **fields)

    def stop(self) -> None:
        self.client.stop()
