"""The class server's HTTP API in-process (aiohttp's test client): tokens, validation, limits, the board
as JSON, pushes, exports. No time-based assertions: times are given to the store explicitly."""

from __future__ import annotations

import csv
import io
import time

import pytest
from aiohttp.test_utils import TestClient, TestServer

from tutor.classroom import events as ev
from tutor.classroom import server as server_module
from tutor.classroom.board import board, lesson_catalog
from tutor.classroom.server import ClassServer
from tutor.classroom.store import Store

LESSONS = lesson_catalog("en")
LESSON = LESSONS[0]["id"]
STEPS = [step["id"] for step in LESSONS[0]["steps"]]


def event(n: int, kind: str = "step_opened", t: float | None = None, **fields) -> dict:
    if kind in ("step_opened", "step_done") and not fields:
        fields = {"lesson": LESSON, "step": STEPS[n % len(STEPS)]}
    return {"id": f"e{n}", "t": t or time.time(), "kind": kind, **fields}


@pytest.fixture
async def api(tmp_path):
    store = Store(tmp_path / "class")
    app = ClassServer(store, lang="en", title="T", lessons={"en": LESSONS, "id": lesson_catalog("id")}, scenarios=["lb-one-dies"], max_learners=3)
    client = TestClient(TestServer(app.make_app()))
    await client.start_server()
    client.store, client.join, client.instructor = store, store.tokens.join, store.tokens.instructor
    try:
        yield client
    finally:
        await client.close()
        store.close()


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


async def post_events(api, events, learner="a1", name="Ana", token=None):
    return await api.post("/api/v1/events", json={"learner": {"id": learner, "name": name}, "events": events},
                          headers=bearer(token or api.join))


async def test_events_are_stored_once_and_answered(api):
    first = await post_events(api, [event(1), event(2, "check", check="nginx-running", ok=False, code="E1")])
    assert first.status == 200
    assert (await first.json())["stored"] == ["e1", "e2"]
    again = await post_events(api, [event(1), event(3, "hand", up=True)])  # e1 resent after a lost answer
    assert (await again.json())["stored"] == ["e1", "e3"]
    assert api.store.event_count() == 3
    row = api.store.learners()[0]
    assert (row["name"], row["events"], row["hand"], row["failed_check"], row["failed_code"]) == \
           ("Ana", 3, 1, "nginx-running", "E1")


@pytest.mark.parametrize("path,method", [("/api/v1/events", "post"), ("/api/v1/pushes", "get"),
                                         ("/api/v1/board", "get"), ("/api/v1/export.csv", "get"),
                                         ("/api/v1/export.json", "get"), ("/api/v1/push", "post"),
                                         ("/api/v1/settings", "post"), ("/api/v1/catalog", "get")])
async def test_wrong_or_missing_token_is_403_and_stores_nothing(api, path, method):
    instructor_only = path not in ("/api/v1/events", "/api/v1/pushes")
    wrong = api.join if instructor_only else api.instructor  # the other token is wrong here too
    body = {"learner": {"id": "x", "name": "X"}, "events": [event(1)]} if path.endswith("events") else \
        {"kind": "broadcast", "text": "hi", "stuck_minutes": 5}
    for headers in ({}, bearer("nope"), bearer(wrong), {"Authorization": api.join}):
        answer = await getattr(api, method)(path, json=body if method == "post" else None, headers=headers)
        assert answer.status == 403, (path, headers)
    assert api.store.event_count() == 0 and api.store.learner_count() == 0
    assert api.store.latest_push_seq() == 0 and api.store.stuck_minutes == 10


async def test_pages_need_their_own_token(api):
    assert (await api.get("/")).status == 403
    assert (await api.get(f"/?token={api.join}")).status == 403
    page = await api.get(f"/?token={api.instructor}&lang=id")
    assert page.status == 200 and "Peserta" in await page.text()
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    assert (await api.get(f"/join?token={api.instructor}")).status == 403
    join = await api.get(f"/join?token={api.join}")
    assert "tutor --join http://" in await join.text()


@pytest.mark.parametrize("bad,reason", [
    ({"learner": {"id": "a b", "name": "A"}, "events": []}, "learner.id"),
    ({"learner": {"id": "a", "name": ""}, "events": []}, "learner.name is empty"),
    ({"learner": {"id": "a", "name": "x" * 41}, "events": []}, "longer than 40"),
    ({"learner": {"id": "a", "name": "A"}, "events": [{"id": "1", "t": 1, "kind": "rm -rf"}]}, "unknown event kind"),
    ({"learner": {"id": "a", "name": "A"}, "events": [{"id": "1", "t": "now", "kind": "hand", "up": True}]}, "t must"),
    ({"learner": {"id": "a", "name": "A"}, "events": [{"id": "1", "t": 1, "kind": "hand", "up": "yes"}]}, "hand.up"),
    ({"learner": {"id": "a", "name": "A"}, "events": [{"id": "1", "t": 1, "kind": "check", "check": "c",
                                                        "ok": True, "code": "x" * 81}]}, "check.code"),
    ({"learner": {"id": "a", "name": "A"}, "events": [{"id": "1", "t": 1, "kind": "hint", "rung": 10**9}]}, "rung"),
    ({"learner": {"id": "a", "name": "A"}, "events": [event(n) for n in range(ev.MAX_BATCH + 1)]}, "at most"),
    ([1, 2], "JSON object"),
])
async def test_bad_bodies_are_400_with_one_line_and_nothing_stored(api, bad, reason):
    answer = await api.post("/api/v1/events", json=bad, headers=bearer(api.join))
    assert answer.status == 400
    message = (await answer.json())["error"]
    assert reason in message and "\n" not in message
    assert api.store.event_count() == 0


async def test_body_not_json_and_too_big(api):
    answer = await api.post("/api/v1/events", data=b"{nope", headers=bearer(api.join))
    assert answer.status == 400 and (await answer.json())["error"] == "the body is not JSON"
    huge = await api.post("/api/v1/events", data=b"x" * (ev.MAX_BODY + 10), headers=bearer(api.join))
    assert huge.status == 413


async def test_at_most_max_learners(api):
    for n in range(3):
        assert (await post_events(api, [event(n)], learner=f"l{n}")).status == 200
    full = await post_events(api, [event(9)], learner="l9")
    assert full.status == 503 and "full" in (await full.json())["error"]
    assert (await post_events(api, [event(4)], learner="l0")).status == 200  # one already in: still welcome


async def test_rate_is_bounded_per_learner(api, monkeypatch):
    monkeypatch.setattr(server_module, "REQUEST_BURST", 3.0)
    monkeypatch.setattr(server_module, "REQUEST_RATE", 0.001)
    statuses = [(await post_events(api, [event(n)])).status for n in range(5)]
    assert statuses[:3] == [200, 200, 200] and statuses[3:] == [429, 429]
    assert api.store.event_count() == 3
    assert (await post_events(api, [event(7)], learner="other")).status == 200  # per learner


async def test_board_json_has_the_fields_and_hands_first(api):
    now = time.time()
    await post_events(api, [event(1, t=now - 5)], learner="b", name="Bob")
    await post_events(api, [event(2, t=now - 5), event(3, "hand", t=now - 4, up=True)], learner="z", name="Zed")
    answer = await api.get("/api/v1/board", headers=bearer(api.instructor))
    data = await answer.json()
    assert [learner["name"] for learner in data["learners"]] == ["Zed", "Bob"]
    zed = data["learners"][0]
    assert {"name", "lesson", "step", "since", "stuck", "hand", "last_failed_check"} <= set(zed)
    assert (zed["lesson"], zed["step"], zed["hand"], zed["stuck"]) == (LESSON, STEPS[2], True, False)
    assert data["lesson"] == LESSON and [s["here"] for s in data["steps"]][1:3] == [1, 1]


def test_stuck_on_time_and_on_the_same_check_failing_three_times(tmp_path):
    store = Store(tmp_path)
    now = 1_000_000.0
    store.add_events("slow", "S", [event(1, t=now - 11 * 60)], now)
    store.add_events("fine", "F", [event(1, t=now - 60)], now)
    store.add_events("done", "D", [event(1, t=now - 3600),
                                   event(2, "step_done", t=now - 3000, lesson=LESSON, step=STEPS[1])], now)
    fails = [event(10 + n, "check", t=now, check="proxy-forwards", ok=False, code="E") for n in range(3)]
    store.add_events("fails", "X", [event(1, t=now - 60), *fails], now)
    store.add_events("mixed", "M", [event(1, t=now - 60), *fails[:2],
                                    event(20, "check", t=now, check="other", ok=False, code="E"),
                                    event(21, "check", t=now, check="other", ok=True, code=None)], now)
    result = {row["name"]: row for row in board(store, LESSONS, None, now)["learners"]}
    assert result["S"]["stuck"] and result["S"]["stuck_reason"] == "time"
    assert not result["F"]["stuck"] and not result["D"]["stuck"] and not result["M"]["stuck"]
    assert result["X"]["stuck"] and result["X"]["stuck_reason"] == "check"
    store.put("stuck_minutes", "30")
    assert not {row["name"]: row for row in board(store, LESSONS, None, now)["learners"]}["S"]["stuck"]


def test_an_old_event_arriving_late_does_not_move_the_learner_back(tmp_path):
    store = Store(tmp_path)
    store.add_events("a", "A", [event(5, t=200.0)], 300.0)
    store.add_events("a", "A", [event(2, t=100.0)], 300.0)  # queued offline, sent after the newer one
    assert store.learners()[0]["step"] == STEPS[5 % len(STEPS)]


async def test_push_reaches_the_pushes_feed_and_is_validated(api):
    feed = await (await api.get("/api/v1/pushes?after=-1", headers=bearer(api.join))).json()
    assert feed == {"latest": 0, "pushes": [], "title": "T"}
    bad = await api.post("/api/v1/push", json={"kind": "step", "lesson": LESSON, "step": "nope"},
                         headers=bearer(api.instructor))
    assert bad.status == 400 and api.store.latest_push_seq() == 0
    assert (await api.post("/api/v1/push", json={"kind": "scenario", "scenario": "../etc/passwd"},
                           headers=bearer(api.instructor))).status == 400
    ok = await api.post("/api/v1/push", json={"kind": "step", "lesson": LESSON, "step": STEPS[3]},
                        headers=bearer(api.instructor))
    assert ok.status == 200
    await api.post("/api/v1/push", json={"kind": "scenario", "scenario": "lb-one-dies"}, headers=bearer(api.instructor))
    feed = await (await api.get("/api/v1/pushes?after=0", headers=bearer(api.join))).json()
    assert [(p["kind"], p.get("step"), p.get("scenario")) for p in feed["pushes"]] == \
           [("step", STEPS[3], None), ("scenario", None, "lb-one-dies")]
    assert (await (await api.get("/api/v1/pushes?after=1", headers=bearer(api.join))).json())["pushes"][0]["seq"] == 2


async def test_exports_per_learner(api):
    now = time.time()
    await post_events(api, [event(1, "step_done", t=now), event(2, "check", check="app-up", ok=True, code=None),
                            event(3, "answer", question="q1", right=True),
                            event(4, "drill", drill="lb-one-dies", outcome="fixed")], name="=HYPERLINK(1)")
    data = await (await api.get("/api/v1/export.json", headers=bearer(api.instructor))).json()
    learner = data["learners"][0]
    assert [s["step"] for s in learner["steps_done"]] == [STEPS[1]]
    assert learner["checks_passed"] == ["app-up"] and learner["answers"][0]["right"] is True
    assert learner["drills"][0]["outcome"] == "fixed"
    text = await (await api.get("/api/v1/export.csv", headers=bearer(api.instructor))).text()
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == ["learner", "name", "steps_done"]
    assert rows[1][1] == "'=HYPERLINK(1)" and rows[1][2] == "1" and rows[1][4] == "1"  # no formula for a spreadsheet


async def test_settings_bounded(api):
    assert (await api.post("/api/v1/settings", json={"stuck_minutes": 0}, headers=bearer(api.instructor))).status == 400
    answer = await api.post("/api/v1/settings", json={"stuck_minutes": 3}, headers=bearer(api.instructor))
    assert (await answer.json())["stuck_minutes"] == 3.0 and api.store.stuck_minutes == 3.0


def test_tokens_survive_reopening(tmp_path):
    first = Store(tmp_path)
    tokens = first.tokens
    first.close()
    again = Store(tmp_path)
    assert again.tokens == tokens and tokens.join != tokens.instructor
