"""A class on loopback with the project's own join client: 30 learners, pushes, a server killed with
SIGKILL mid-class and restarted, learners offline meanwhile (the server down, not wall-clock minutes)."""

from __future__ import annotations

import pytest

from class_support import ClassProcess, Learner
from serve_support import wait_for
from tutor.classroom.board import lesson_catalog
from tutor.classroom.client import ClassClient, Membership, Outbox

LESSON = lesson_catalog("en")[1]
STEPS = [step["id"] for step in LESSON["steps"]]


@pytest.fixture
def klass(tmp_path):
    servers: list[ClassProcess] = []
    learners: list[Learner] = []

    def server(*args: str) -> ClassProcess:
        servers.append(ClassProcess(tmp_path / "instructor", *args))
        return servers[-1]

    def learner(join_url: str, name: str) -> Learner:
        learners.append(Learner(tmp_path / f"learner{len(learners)}", join_url, name))
        return learners[-1]

    yield server, learner
    for one in learners:
        one.stop()
    for one in servers:
        one.close()


def test_thirty_learners_join_and_a_pushed_step_reaches_every_one(klass):
    server, learner = klass
    instructor = server()
    wrong = learner(instructor.join_url.rsplit("=", 1)[0] + "=not-the-token", "Mallory")
    wrong.send("hand", up=True)
    learners = [learner(instructor.join_url, f"Learner {n:02d}") for n in range(30)]
    for n, one in enumerate(learners):
        one.send("step_opened", lesson=LESSON["id"], step=STEPS[n % 5])
    board = wait_for(lambda: (b := instructor.board()) and len(b["learners"]) == 30 and b, 30, "30 learners on the board")
    assert board["lesson"] == LESSON["id"]
    assert sum(step["here"] for step in board["steps"]) == 30
    wait_for(lambda: all(one.client.push_seq is not None for one in learners), 30, "every client to ask for pushes")
    instructor.push(kind="step", lesson=LESSON["id"], step=STEPS[7])
    wait_for(lambda: all(one.pushes for one in learners), 30, "the push to reach every learner")
    assert {(p[0]["kind"], p[0]["step"]) for p in (one.pushes for one in learners)} == {("step", STEPS[7])}
    assert all(len(one.pushes) == 1 for one in learners)
    # A wrong join token: refused, its event kept at the learner, nothing of it on the board.
    assert wrong.client.status == "refused" and wrong.client.queued == 1 and not wrong.pushes
    assert "Mallory" not in {row["name"] for row in instructor.board()["learners"]}


def test_kill9_mid_class_then_restart_the_board_is_whole_and_queued_events_arrive_once(klass):
    server, learner = klass
    instructor = server()
    learners = [learner(instructor.join_url, f"L{n}") for n in range(5)]
    for one in learners:
        one.send("step_opened", lesson=LESSON["id"], step=STEPS[0])
        one.send("step_done", lesson=LESSON["id"], step=STEPS[0])
    wait_for(lambda: all(one.client.queued == 0 for one in learners), 30, "the first events to be stored")
    before = instructor.board()
    assert sum(len(row["done"]) for row in before["learners"]) == 5

    urls = (instructor.join_url, instructor.board_url)
    instructor.kill9()
    # A minute of class while the server is down: one event a second for the first learner,
    # a step for each of the others; the clients keep them in their outboxes.
    offline = learners[0]
    for n in range(60):
        offline.send("check", check="proxy-forwards", ok=n == 59, code=None if n == 59 else "E_UPSTREAM")
    for one in learners:
        one.send("step_opened", lesson=LESSON["id"], step=STEPS[1])
    wait_for(lambda: all(one.client.status == "offline" for one in learners), 30, "the clients to notice")
    assert offline.client.queued == 61

    instructor.start()
    assert (instructor.join_url, instructor.board_url) == urls  # the same tokens after the restart
    wait_for(lambda: all(one.client.queued == 0 for one in learners), 60, "the queued events to arrive")
    after = instructor.board()
    assert len(after["learners"]) == 5
    assert {row["step"] for row in after["learners"]} == {STEPS[1]}
    rows = {row["name"]: row for row in after["learners"]}
    assert rows["L0"]["events"] == 2 + 61 and all(rows[f"L{n}"]["events"] == 3 for n in range(1, 5))
    with instructor.http(instructor.instructor_token) as http:
        exported = {row["name"]: row for row in http.get("/api/v1/export.json").json()["learners"]}
    assert exported["L0"]["checks_passed"] == ["proxy-forwards"]
    assert all(len(row["steps_done"]) == 1 for row in exported.values())


def test_the_outbox_survives_the_app_being_killed(tmp_path):
    """Events queued by an app that died (no server yet) are in the outbox for the next app."""
    folder = tmp_path / "learner"
    membership = Membership.new("http://127.0.0.1:9/join?token=abc", "A")
    client = ClassClient(folder, membership)  # never started: nothing is sent
    client.send("hand", up=True)
    client.send("hint", rung=1)
    client.outbox.close()
    again = Outbox(folder)
    assert [event["kind"] for event in again.first()] == ["hand", "hint"]
    assert len({event["id"] for event in again.first()}) == 2
