"""A learner's side of a class: the membership file, the outbox queue and the background sender.

`class.json` in the learner's data folder says which class they joined (server, join token, display
name, their random learner id). Every event goes first into `class-outbox.sqlite` there, then a
background thread sends the queue in batches whenever the server answers: a laptop off the network,
a server restarting, or the app itself killed loses nothing, and the server's event ids make a
batch sent twice count once. The same thread asks the server for the instructor's pushes.
No Textual here: the headless clients of the tests and the benchmark use this module as the app does.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tutor.classroom import events as ev
from tutor.storage import Unreadable, read_json, write_json_atomic

MEMBERSHIP = "class.json"
OUTBOX = "class-outbox.sqlite"
BATCH = 100
PUSH_POLL = 1.0  # seconds between two questions for pushes (a cheap GET; 200 learners: 200 a second)
RETRY_MIN, RETRY_MAX = 0.5, 2.0  # seconds between tries while the server does not answer
TIMEOUT = 5.0
MAX_QUEUE = 20_000  # events kept while offline; beyond that the oldest go (a week offline, not a class)


class JoinError(ValueError):
    """A join URL or name that cannot be used; the message is a key of the [classroom] catalogue."""


@dataclass(frozen=True)
class Membership:
    """The class a learner joined: `origin` (http://host:port), the join `token`, their name and id."""

    origin: str
    token: str
    name: str
    learner: str

    @classmethod
    def new(cls, url: str, name: str) -> Membership:
        origin, token = parse_join_url(url)
        try:
            clean = ev.text(name, "name", ev.MAX_NAME)
        except ev.Invalid:
            raise JoinError("join.bad_name") from None
        return cls(origin, token, clean, secrets.token_hex(16))

    @classmethod
    def load(cls, folder: Path) -> Membership | None:
        try:
            data = read_json(folder / MEMBERSHIP)
        except Unreadable:
            return None
        if not data:
            return None
        try:  # a hand-edited or damaged file: checked as a join URL and a name would be
            origin, token = parse_join_url(f"{data['origin']}/join?token={data['token']}")
            name = ev.text(data["name"], "name", ev.MAX_NAME)
            learner = ev.identifier(data["learner"], "learner")
        except (KeyError, TypeError, ev.Invalid, JoinError):
            return None
        return cls(origin, token, name, learner)

    def save(self, folder: Path) -> None:
        write_json_atomic(folder / MEMBERSHIP, asdict(self))

    @staticmethod
    def forget(folder: Path) -> None:
        """Leave: remove the membership and whatever was still queued."""
        for name in (MEMBERSHIP, OUTBOX, OUTBOX + "-wal", OUTBOX + "-shm"):
            (folder / name).unlink(missing_ok=True)


def parse_join_url(url: str) -> tuple[str, str]:
    """(origin, token) of a join URL `http://host:port/join?token=...`; JoinError when it is not one."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise JoinError("join.bad_url") from None
    tokens = parse_qs(parts.query).get("token", [])
    if parts.scheme not in ("http", "https") or not parts.hostname or len(url) > 500 or len(tokens) != 1 \
            or not ev.ID.fullmatch(tokens[0]):
        raise JoinError("join.bad_url")
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return f"{parts.scheme}://{host}" + (f":{port}" if port else ""), tokens[0]


class Outbox:
    """The queue of events not yet stored by the server (SQLite, survives the app being killed)."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.lock = threading.Lock()
        self.db = sqlite3.connect(folder / OUTBOX, isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA busy_timeout=5000")
        self.db.execute("CREATE TABLE IF NOT EXISTS outbox (n INTEGER PRIMARY KEY AUTOINCREMENT, "
                        "id TEXT UNIQUE NOT NULL, body TEXT NOT NULL)")

    def add(self, kind: str, fields: dict[str, Any]) -> dict[str, Any]:
        event = {"id": secrets.token_hex(8), "t": time.time(), "kind": kind, **fields}
        with self.lock:
            self.db.execute("INSERT INTO outbox (id, body) VALUES (?, ?)", (event["id"], json.dumps(event)))
            self.db.execute("DELETE FROM outbox WHERE n <= (SELECT max(n) FROM outbox) - ?", (MAX_QUEUE,))
        return event

    def first(self, count: int = BATCH) -> list[dict[str, Any]]:
        with self.lock:
            rows = self.db.execute("SELECT body FROM outbox ORDER BY n LIMIT ?", (count,)).fetchall()
        return [json.loads(row[0]) for row in rows]

    def remove(self, ids: list[str]) -> None:
        with self.lock:
            self.db.executemany("DELETE FROM outbox WHERE id=?", [(i,) for i in ids])

    def __len__(self) -> int:
        with self.lock:
            return self.db.execute("SELECT count(*) FROM outbox").fetchone()[0]

    def close(self) -> None:
        with self.lock:
            self.db.close()


class ClassClient:
    """Sends a learner's events and receives the instructor's pushes, in a daemon thread.

    `on_push(push)` is called (in that thread) for each push made after the client first reached
    the server; `on_status(state)` when the state changes: "online", "offline", "refused" (a wrong
    token: nothing more is sent), "full" (the class has no room).
    """

    def __init__(self, folder: Path, membership: Membership, *, on_push: Callable[[dict], None] | None = None,
                 on_status: Callable[[str], None] | None = None) -> None:
        self.membership = membership
        self.outbox = Outbox(folder)
        self.on_push = on_push
        self.on_status = on_status
        self.status = "offline"
        self.push_seq: int | None = None
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def send(self, kind: str, **fields: Any) -> None:
        """Queue one event (KINDS in tutor.classroom.events) and wake the sender."""
        if kind not in ev.KINDS:
            raise ValueError(f"unknown event kind {kind!r}")
        self.outbox.add(kind, fields)
        self._wake.set()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="tutor-class", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 1.0) -> None:
        """Stop sending; what is still queued stays in the outbox for the next start. Waits at most
        `timeout` for a request under way (the thread is a daemon: an exiting app does not wait)."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                return  # it closes nothing of ours after this; the process is ending
        self.outbox.close()

    @property
    def queued(self) -> int:
        return len(self.outbox)

    def _loop(self) -> None:
        import httpx

        headers = {"Authorization": f"Bearer {self.membership.token}"}
        retry = RETRY_MIN
        next_poll = 0.0
        with httpx.Client(base_url=self.membership.origin, headers=headers, timeout=TIMEOUT, trust_env=False) as http:
            while not self._stop.is_set():
                try:
                    more = self._flush(http)
                    if time.monotonic() >= next_poll:
                        self._poll(http)
                        next_poll = time.monotonic() + PUSH_POLL
                    retry = RETRY_MIN
                    if self.status in ("refused", "full"):
                        wait = RETRY_MAX
                    else:
                        wait = 0 if more else max(0.0, next_poll - time.monotonic())
                except (httpx.HTTPError, ValueError, OSError, sqlite3.Error):
                    self._set_status("offline")
                    wait = retry
                    retry = min(retry * 2, RETRY_MAX)
                if wait:
                    self._wake.wait(wait)
                self._wake.clear()

    def _flush(self, http) -> bool:
        """Send one batch from the outbox; True when more is waiting."""
        batch = self.outbox.first()
        if not batch:
            return False
        body = {"learner": {"id": self.membership.learner, "name": self.membership.name}, "events": batch}
        answer = http.post("/api/v1/events", json=body)
        if answer.status_code == 200:
            self._set_status("online")
            data = answer.json()
            self.outbox.remove([i for i in data.get("stored", []) if isinstance(i, str)])
            if isinstance(data.get("push"), int) and self.push_seq is not None and data["push"] > self.push_seq:
                self._poll(http)
            return len(batch) == BATCH
        if answer.status_code == 400:  # events this version of the server cannot take: never sendable
            self.outbox.remove([event["id"] for event in batch])
            return True
        if answer.status_code == 403:
            self._set_status("refused")
            return False
        if answer.status_code in (503, 413):
            self._set_status("full")
            return False
        raise OSError(f"HTTP {answer.status_code}")  # 429, 5xx: keep the batch, try again later

    def _poll(self, http) -> None:
        after = -1 if self.push_seq is None else self.push_seq
        answer = http.get("/api/v1/pushes", params={"after": after})
        if answer.status_code == 403:
            self._set_status("refused")
            return
        if answer.status_code != 200:
            raise OSError(f"HTTP {answer.status_code}")
        self._set_status("online")
        data = answer.json()
        pushes = data.get("pushes", []) if self.push_seq is not None else []
        latest = data.get("latest")
        if isinstance(latest, int):
            self.push_seq = max(latest, self.push_seq or 0)
        for push in pushes:
            if isinstance(push, dict) and self.on_push is not None:
                self.on_push(push)

    def _set_status(self, state: str) -> None:
        if state != self.status:
            self.status = state
            if self.on_status is not None:
                self.on_status(state)
