"""The class's state in one SQLite file (WAL): tokens, learners, their events, pushes, settings.

Every write is one transaction, so the class survives a restart and `kill -9`: what the server
answered as stored is on disk. Events are keyed by (learner, event id): a batch sent again after a
lost answer is stored once. The board's row of each learner is kept up to date as events arrive
(no scan of the event log per board request).
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FILE_NAME = "class.sqlite"
DEFAULT_STUCK_MINUTES = 10
SAME_CHECK_FAILS = 3  # the same check failing this many times in a row flags the learner as stuck

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS learners (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, joined REAL NOT NULL, seen REAL NOT NULL,
    lesson TEXT, step TEXT, since REAL, hand INTEGER NOT NULL DEFAULT 0, hand_since REAL,
    failed_check TEXT, failed_code TEXT, fail_count INTEGER NOT NULL DEFAULT 0,
    events INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS events (
    learner TEXT NOT NULL, id TEXT NOT NULL, t REAL NOT NULL, received REAL NOT NULL,
    kind TEXT NOT NULL, data TEXT NOT NULL, PRIMARY KEY (learner, id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS done (
    learner TEXT NOT NULL, lesson TEXT NOT NULL, step TEXT NOT NULL, t REAL NOT NULL,
    PRIMARY KEY (learner, lesson, step)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS pushes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, t REAL NOT NULL, kind TEXT NOT NULL, data TEXT NOT NULL);
"""


@dataclass(frozen=True)
class Tokens:
    """The two secrets of a class: learners send with `join`, the board reads with `instructor`."""

    join: str
    instructor: str


class Store:
    """The class's SQLite file; one connection, used from the server's event loop only."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / FILE_NAME
        self.db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")  # WAL: a committed write survives a killed process
        self.db.execute("PRAGMA busy_timeout=5000")
        self.db.executescript(SCHEMA)
        self.tokens = Tokens(self._meta_or("join_token", _token), self._meta_or("instructor_token", _token))

    def close(self) -> None:
        self.db.close()

    # Settings
    def _meta_or(self, key: str, make) -> str:
        row = self.db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        if row is not None:
            return row[0]
        value = make()
        self.db.execute("INSERT INTO meta VALUES (?, ?)", (key, value))
        return value

    def get(self, key: str, default: str | None = None) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else default

    def put(self, key: str, value: str) -> None:
        self.db.execute("INSERT INTO meta VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value=excluded.value",
                        (key, value))

    @property
    def stuck_minutes(self) -> float:
        value = self.get("stuck_minutes")
        return float(DEFAULT_STUCK_MINUTES if value is None else value)

    # Learners and their events
    def learner_count(self) -> int:
        return self.db.execute("SELECT count(*) FROM learners").fetchone()[0]

    def events_of_learner(self, learner_id: str) -> int:
        """How many events of this learner are stored (0 for a new one)."""
        row = self.db.execute("SELECT events FROM learners WHERE id=?", (learner_id,)).fetchone()
        return row[0] if row else 0

    def has_learner(self, learner_id: str) -> bool:
        return self.db.execute("SELECT 1 FROM learners WHERE id=?", (learner_id,)).fetchone() is not None

    def add_events(self, learner_id: str, name: str, events: list[dict[str, Any]], now: float | None = None) -> list[str]:
        """Store `events` (already validated) of one learner in one transaction; returns every id that
        is now stored, including ones stored before (a resent batch), so the sender can forget them."""
        now = time.time() if now is None else now
        db = self.db
        db.execute("BEGIN IMMEDIATE")
        try:
            db.execute("INSERT INTO learners (id, name, joined, seen) VALUES (?, ?, ?, ?) "
                       "ON CONFLICT(id) DO UPDATE SET name=excluded.name, seen=excluded.seen",
                       (learner_id, name, now, now))
            stored = []
            for event in events:
                cursor = db.execute("INSERT OR IGNORE INTO events VALUES (?, ?, ?, ?, ?, ?)",
                                    (learner_id, event["id"], event["t"], now, event["kind"],
                                     json.dumps(event, ensure_ascii=False)))
                if cursor.rowcount:
                    self._apply(learner_id, event)
                stored.append(event["id"])
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return stored

    def _apply(self, learner_id: str, event: dict[str, Any]) -> None:
        """Fold one new event into the learner's board row."""
        kind, t, db = event["kind"], event["t"], self.db
        db.execute("UPDATE learners SET events=events+1 WHERE id=?", (learner_id,))
        if kind == "step_opened":
            db.execute("UPDATE learners SET lesson=?, step=?, since=?, failed_check=NULL, failed_code=NULL, "
                       "fail_count=0 WHERE id=? AND (since IS NULL OR since<=?)",
                       (event["lesson"], event["step"], t, learner_id, t))
        elif kind == "step_done":
            db.execute("INSERT OR IGNORE INTO done VALUES (?, ?, ?, ?)",
                       (learner_id, event["lesson"], event["step"], t))
        elif kind == "check":
            if event["ok"]:
                db.execute("UPDATE learners SET fail_count=0 WHERE id=? AND failed_check=?",
                           (learner_id, event["check"]))
            else:
                db.execute("UPDATE learners SET fail_count=CASE WHEN failed_check=? THEN fail_count+1 ELSE 1 END, "
                           "failed_check=?, failed_code=? WHERE id=?",
                           (event["check"], event["check"], event["code"], learner_id))
        elif kind == "hand":
            db.execute("UPDATE learners SET hand=?, hand_since=? WHERE id=?",
                       (1 if event["up"] else 0, t if event["up"] else None, learner_id))

    def learners(self) -> list[sqlite3.Row]:
        self.db.row_factory = sqlite3.Row
        try:
            return self.db.execute("SELECT * FROM learners").fetchall()
        finally:
            self.db.row_factory = None

    def done_steps(self) -> list[tuple[str, str, str, float]]:
        """(learner, lesson, step, time) of every step done."""
        return self.db.execute("SELECT learner, lesson, step, t FROM done ORDER BY t").fetchall()

    def events_of(self, learner_id: str, kinds: tuple[str, ...]) -> list[dict[str, Any]]:
        marks = ",".join("?" * len(kinds))
        rows = self.db.execute(f"SELECT data FROM events WHERE learner=? AND kind IN ({marks}) ORDER BY t",
                               (learner_id, *kinds)).fetchall()
        return [json.loads(row[0]) for row in rows]

    def event_count(self) -> int:
        return self.db.execute("SELECT count(*) FROM events").fetchone()[0]

    # Pushes (steps, scenarios, broadcast lines) for every learner
    def add_push(self, kind: str, data: dict[str, Any]) -> dict[str, Any]:
        t = time.time()
        cursor = self.db.execute("INSERT INTO pushes (t, kind, data) VALUES (?, ?, ?)",
                                 (t, kind, json.dumps(data, ensure_ascii=False)))
        return {"seq": cursor.lastrowid, "t": t, "kind": kind, **data}

    def pushes_after(self, seq: int, limit: int = 20) -> list[dict[str, Any]]:
        rows = self.db.execute("SELECT seq, t, kind, data FROM pushes WHERE seq>? ORDER BY seq DESC LIMIT ?",
                               (seq, limit)).fetchall()
        return [{"seq": s, "t": t, "kind": k, **json.loads(d)} for s, t, k, d in reversed(rows)]

    def last_push(self, kind: str | None = None) -> dict[str, Any] | None:
        query = "SELECT seq, t, kind, data FROM pushes" + (" WHERE kind=?" if kind else "") + " ORDER BY seq DESC LIMIT 1"
        row = self.db.execute(query, (kind,) if kind else ()).fetchone()
        return {"seq": row[0], "t": row[1], "kind": row[2], **json.loads(row[3])} if row else None

    def latest_push_seq(self) -> int:
        return self.db.execute("SELECT coalesce(max(seq), 0) FROM pushes").fetchone()[0]


def _token() -> str:
    return secrets.token_urlsafe(24)
