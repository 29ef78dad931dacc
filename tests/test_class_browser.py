"""The class board in a real browser (Debian's chromium via Selenium) at a projector's size, 1920x1080:
it shows the learners, follows their events without a reload, renders hostile names as text, loads
nothing from elsewhere, and pushes a step to every learner. Screenshots go to test-artifacts/."""

from __future__ import annotations

import time

import pytest

from class_support import ClassProcess, Learner
from serve_support import ROOT, console_errors, requested_urls, required_chrome, wait_for
from tutor.classroom.board import lesson_catalog

pytestmark = pytest.mark.browser

ARTIFACTS = ROOT / "test-artifacts"
LESSON = lesson_catalog("en")[1]
STEPS = [step["id"] for step in LESSON["steps"]]
HOSTILE = ('<img src=x onerror="window.__pwned=1">', "<script>window.__pwned=2</script>", '"><b>bold</b>',
           "{{7*7}} ${alert(1)}", "Ayu \u202eevil")
NAMES = ("Ayu", "Bima", "Citra", "Dewi", "Eko", "Fajar", "Gita", "Hadi", "Indah", "Joko", "Kartika", "Lestari",
         "Made", "Nanda", "Oki", "Putri", "Rizky", "Sari", "Taufik", "Umi", "Vina", "Wahyu", "Yanti", "Zaki", "Arif")


@pytest.fixture
def driver():
    with required_chrome(1920, 1080) as browser:
        browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",  # the page itself 1920x1080, as projected
                                {"width": 1920, "height": 1080, "deviceScaleFactor": 1, "mobile": False})
        yield browser


@pytest.fixture
def klass(tmp_path):
    instructor = ClassProcess(tmp_path / "instructor", "--title", "DevOps Bootcamp B12")
    learners = [Learner(tmp_path / f"l{n}", instructor.join_url, name) for n, name in enumerate(NAMES + HOSTILE)]
    try:
        yield instructor, learners
    finally:
        for learner in learners:
            learner.stop()
        instructor.close()


def rows(driver) -> list[str]:
    return driver.execute_script(
        "return [...document.querySelectorAll('#rows tr .learner-name')].map(e => e.textContent)")


def row_classes(driver, learner_id: str) -> str:
    return driver.execute_script(
        "const r = document.querySelector(`#rows tr[data-learner='${arguments[0]}']`); return r ? r.className : ''",
        learner_id)


def fill_class(learners: list[Learner]) -> None:
    """A class in the middle of lesson 2: steps done, a few hands up, one learner failing a check."""
    now = time.time()
    for n, learner in enumerate(learners):
        here = min(len(STEPS) - 1, 3 + (n * 7) % 11)
        for step in STEPS[:here]:
            learner.send("step_done", lesson=LESSON["id"], step=step)
        learner.send("step_opened", lesson=LESSON["id"], step=STEPS[here])
        if n % 9 == 4:
            learner.send("hand", up=True)
    for _ in range(3):
        learners[2].send("check", check="proxy-forwards", ok=False, code="E_UPSTREAM_REFUSED")
    wait_for(lambda: all(learner.client.queued == 0 for learner in learners), 30, "every event to be stored")
    assert time.time() - now < 60


def test_the_board_shows_the_class_updates_without_reload_pushes_and_speaks_both_languages(driver, klass):
    instructor, learners = klass
    fill_class(learners)
    requested_urls(driver)
    driver.get(instructor.board_url)
    shown = wait_for(lambda: len(names := rows(driver)) == len(learners) and names, 20, "every learner on the board")
    assert set(shown) == {learner.membership.name for learner in learners}  # hostile names as text
    assert set(shown) >= set(HOSTILE[:4]) and "Ayu evil" in shown  # the right-to-left override is taken out
    assert shown[:3] == [learners[n].membership.name for n in (4, 13, 22)]  # raised hands first
    assert "stuck" in row_classes(driver, learners[2].id)
    assert driver.execute_script("return window.__pwned") is None
    assert driver.execute_script("return document.querySelectorAll('#rows img, #rows script, #rows b').length") == 0
    ARTIFACTS.mkdir(exist_ok=True)
    driver.save_screenshot(str(ARTIFACTS / "class-board-en.png"))

    # Updates without a reload, within a second of the server storing the event.
    marker = driver.execute_script("window.__sameDocument = true; return 1")
    for learner in (learners[0], learners[1]):
        with instructor.http(instructor.join_token) as http:
            event = {"id": f"up-{learner.id[:8]}", "t": time.time(), "kind": "hand", "up": True}
            answer = http.post("/api/v1/events", json={"learner": {"id": learner.id, "name": learner.membership.name},
                                                       "events": [event]})
            assert answer.status_code == 200
        stored = time.monotonic()
        wait_for(lambda: "hand" in row_classes(driver, learner.id), 5, "the raised hand on the board", interval=0.02)
        assert time.monotonic() - stored <= 1.0
    assert driver.execute_script("return window.__sameDocument") is True and marker == 1

    # Push a step from the board: every learner's client receives it.
    wait_for(lambda: all(learner.client.push_seq is not None for learner in learners), 20, "the clients to listen")
    driver.execute_script("document.getElementById('push-step').selectedIndex = arguments[0]",
                          len(lesson_catalog("en")[0]["steps"]) + 5)
    driver.find_element("id", "push-step-go").click()
    wait_for(lambda: all(learner.pushes for learner in learners), 20, "the pushed step at every learner")
    assert {(p[0]["lesson"], p[0]["step"]) for p in (learner.pushes for learner in learners)} == {(LESSON["id"], STEPS[5])}

    origin = instructor.origin
    assert all(url.startswith(origin) for url in requested_urls(driver))
    assert console_errors(driver) == []

    # The same board in Indonesian (?lang=id); the join token does not open it.
    driver.get(instructor.board_url + "&lang=id")
    wait_for(lambda: len(rows(driver)) == len(learners), 20, "the learners on the Indonesian board")
    assert "Peserta" in driver.find_element("id", "head").text
    indonesian = lesson_catalog("id")[1]
    wait_for(lambda: indonesian["title"] in driver.find_element("id", "lesson").text, 10, "lesson titles in Indonesian")
    driver.save_screenshot(str(ARTIFACTS / "class-board-id.png"))
    driver.get(instructor.origin + "/?token=" + instructor.join_token)
    assert "token" in driver.find_element("tag name", "body").text.lower() and rows(driver) == []
