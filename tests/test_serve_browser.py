"""`tutor serve` in a real browser (Debian's chromium via Selenium): the app works in the page as in a terminal.

Each test starts its own server on a free loopback port and its own headless chromium, clicks the
page's Start button as a person would, then types keys and reads the terminal's text from the page.
Screenshots of the lesson screen and the simulator go to test-artifacts/.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from serve_support import (ROOT, ServeProcess, alive, required_chrome, click_start, console_errors, new_tab,
                           press,
                           requested_urls, screen_text, wait_for, wait_for_text)

pytestmark = pytest.mark.browser

ARTIFACTS = ROOT / "test-artifacts"
DOWN, ENTER, F2 = "\ue015", "\ue007", "\ue032"
SESSION_START = 90.0  # seconds: page + app process on a machine loaded by other tests
LESSONS_ID = ("Apa itu web server?", "nginx sebagai reverse proxy", "Load balancing dengan nginx")
LESSONS_EN = ("What is a web server?", "nginx as a reverse proxy", "Load balancing with nginx")


@pytest.fixture
def driver():
    with required_chrome() as browser:
        yield browser


@pytest.fixture
def serve():
    """Start `tutor serve` with the given arguments; every server is stopped with Ctrl+C afterwards."""
    servers: list[ServeProcess] = []

    def start(*args: str) -> ServeProcess:
        servers.append(ServeProcess(*args))
        return servers[-1]

    yield start
    for server in servers:
        assert server.close() == 0


def start_session(driver, server: ServeProcess, url: str | None = None) -> None:
    driver.get(url or server.url)
    click_start(driver)


def sim_time(text: str) -> float | None:
    match = re.search(r"t=(\d+(?:\.\d)?)/\d+", text)
    return float(match.group(1)) if match else None


def test_lessons_step_and_language_switch_in_indonesian_then_english(driver, serve):
    server = serve("--lang", "id")
    start_session(driver, server)
    # the lesson titles and the intro line above them are drawn in separate updates: wait for both
    wait_for_text(driver, *LESSONS_ID, "Pilih materi", timeout=SESSION_START)
    press(driver, ENTER)  # the first lesson, at its first step
    wait_for_text(driver, "Apa itu web server? › 1/")
    press(driver, "n")
    step = wait_for_text(driver, "Apa itu web server? › 2/")
    ARTIFACTS.mkdir(exist_ok=True)
    driver.save_screenshot(str(ARTIFACTS / "serve-lesson.png"))
    assert "F2 English" in step
    press(driver, F2)
    english = wait_for_text(driver, "What is a web server? › 2/")
    assert "F2 Indonesia" in english and "Apa itu" not in english


def test_the_page_is_the_apps_and_loads_nothing_from_elsewhere(driver, serve):
    server = serve("--lang", "en")
    driver.get(server.url)
    assert driver.title == "tutor · web servers, reverse proxies & load balancing"
    icon = driver.find_element("css selector", "link[rel=icon]").get_attribute("href")
    assert icon == f"{server.origin}/favicon.svg"
    assert server.session_pids() == set()  # the page alone starts no app: the Start click does
    click_start(driver)
    wait_for_text(driver, *LESSONS_EN, timeout=SESSION_START)
    font = driver.execute_script("return document.fonts.check(\"16px 'Roboto Mono'\")")
    assert font, "the terminal font was not loaded from the server"
    urls = requested_urls(driver)
    own = server.origin.replace("http://", "")
    assert any(url.endswith("/static/fonts/RobotoMono-VariableFont_wght.ttf") for url in urls)
    assert any(url.startswith(f"ws://{own}/ws") for url in urls)
    elsewhere = [url for url in urls if not re.match(rf"(http|ws)://{re.escape(own)}/", url)]
    assert elsewhere == []
    # nothing the Content-Security-Policy had to block, no missing file (textual.js's own harmless
    # "still in CONNECTING state" when the terminal resizes before its socket opens is not ours)
    blocked = [message for message in console_errors(driver)
               if "Content Security Policy" in message or "Failed to load resource" in message]
    assert blocked == []


def test_the_simulator_moves_in_the_page(driver, serve):
    server = serve("--lang", "en")
    start_session(driver, server)
    wait_for_text(driver, *LESSONS_EN, timeout=SESSION_START)
    press(driver, DOWN, DOWN, ENTER)
    wait_for_text(driver, "Load balancing with nginx › 1/")
    press(driver, "s")
    first = wait_for(lambda: sim_time(screen_text(driver)), SESSION_START, "the simulator's clock")
    later = wait_for(lambda: (now := sim_time(screen_text(driver))) is not None and now > first + 3 and now,
                     SESSION_START, "the simulator's clock to move on")
    assert later > first
    assert "sent " in screen_text(driver)
    ARTIFACTS.mkdir(exist_ok=True)
    driver.save_screenshot(str(ARTIFACTS / "serve-simulator.png"))


def test_two_tabs_are_two_independent_sessions_and_a_closed_tab_leaves_no_process(driver, serve):
    server = serve("--lang", "en")
    start_session(driver, server)
    wait_for_text(driver, *LESSONS_EN, timeout=SESSION_START)
    first_tab = driver.current_window_handle
    first_pid = wait_for(lambda: len(server.session_pids()) == 1 and server.session_pids(), 30, "one session")
    new_tab(driver)
    start_session(driver, server)
    wait_for_text(driver, *LESSONS_EN, timeout=SESSION_START)
    pids = wait_for(lambda: len(server.session_pids()) == 2 and server.session_pids(), 30, "two sessions")
    second_pid = pids - first_pid
    press(driver, ENTER)  # only the second tab opens a lesson
    wait_for_text(driver, "What is a web server? › 1/")
    driver.switch_to.window(first_tab)
    assert "Choose a lesson" in screen_text(driver) and "› 1/" not in screen_text(driver)
    driver.close()  # the first tab
    (pid,) = first_pid
    wait_for(lambda: not alive(pid), 30, f"the closed tab's app process {pid} to end")
    assert server.session_pids() == second_pid


def test_progress_is_saved_as_in_the_terminal_app(driver, serve, tmp_path, monkeypatch):
    data = tmp_path / "data"
    monkeypatch.setenv("TUTOR_DATA_DIR", str(data))
    server = serve("--lang", "en")
    start_session(driver, server)
    wait_for_text(driver, *LESSONS_EN, timeout=SESSION_START)
    press(driver, ENTER)
    wait_for_text(driver, "What is a web server? › 1/")
    press(driver, "n")
    wait_for_text(driver, "What is a web server? › 2/")
    saved = wait_for(lambda: _read_json(data / "progress.json"), 30, "progress.json")
    assert "web-server" in json.dumps(saved)
    driver.get(server.url)  # a new session in the same tab picks up where the learner left
    click_start(driver)
    wait_for_text(driver, *LESSONS_EN, timeout=SESSION_START)
    press(driver, ENTER)
    wait_for_text(driver, "What is a web server? › 2/")


def _read_json(path: Path):
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def test_public_mode_enforces_the_token_in_the_browser(driver, serve):
    server = serve("--lang", "en", "--public", "--bind", "127.0.0.2")
    driver.get(server.origin + "/")
    assert "access token in the URL is missing or wrong" in driver.find_element("id", "message").text
    driver.get(server.origin + "/?token=guess")
    assert "access token" in driver.find_element("id", "message").text
    assert not driver.find_elements("id", "start")
    assert server.session_pids() == set()
    start_session(driver, server)
    wait_for_text(driver, *LESSONS_EN, timeout=SESSION_START)
    assert len(server.session_pids()) == 1
    new_tab(driver)  # the learner cookie the token URL set lets a second tab in on the bare URL
    start_session(driver, server, server.origin + "/")
    wait_for_text(driver, *LESSONS_EN, timeout=SESSION_START)
    assert len(server.session_pids()) == 2
    assert any(re.match(r"ws://[^/]+/ws\?", url) for url in requested_urls(driver))  # its socket: the cookie, no token
    driver.delete_all_cookies()  # another browser, without that cookie: still refused
    driver.get(server.origin + "/")
    assert "access token in the URL is missing or wrong" in driver.find_element("id", "message").text
    assert not driver.find_elements("id", "start")


def test_a_full_server_says_so(driver, serve):
    server = serve("--lang", "id", "--max-sessions", "1")
    start_session(driver, server)
    wait_for_text(driver, *LESSONS_ID, timeout=SESSION_START)
    new_tab(driver)
    driver.get(server.url)
    message = driver.find_element("id", "message").text
    assert "Server sedang penuh: semua 1 sesi sedang dipakai" in message
    assert driver.find_element("id", "retry").is_displayed()
    assert len(server.session_pids()) == 1


def test_public_mode_keeps_each_browsers_progress_apart(driver, serve, tmp_path, monkeypatch):
    data = tmp_path / "data"
    monkeypatch.setenv("TUTOR_DATA_DIR", str(data))
    server = serve("--lang", "en", "--public", "--bind", "127.0.0.2")
    assert f"under {data / 'serve'}" in "".join(server.stdout)
    start_session(driver, server)  # learner A
    wait_for_text(driver, *LESSONS_EN, timeout=SESSION_START)
    press(driver, ENTER)
    wait_for_text(driver, "What is a web server? › 1/")
    press(driver, "n")
    wait_for_text(driver, "What is a web server? › 2/")
    saved = wait_for(lambda: list((data / "serve").glob("*/progress.json")), 30, "learner A's progress.json")
    assert len(saved) == 1 and not (data / "progress.json").exists()
    driver.delete_all_cookies()  # learner B: another browser
    new_tab(driver)
    start_session(driver, server)
    wait_for_text(driver, *LESSONS_EN, timeout=SESSION_START)
    press(driver, ENTER)
    wait_for_text(driver, "What is a web server? › 1/")  # B starts at the beginning, not where A is
    wait_for(lambda: len(list((data / "serve").glob("*/progress.json"))) == 2, 30, "learner B's own progress.json")


def test_quitting_the_app_in_the_page_ends_its_process_and_start_again_opens_a_new_one(driver, serve):
    server = serve("--lang", "id")
    start_session(driver, server)
    wait_for_text(driver, *LESSONS_ID, timeout=SESSION_START)
    (pid,) = wait_for(lambda: server.session_pids(), 30, "the session")
    press(driver, "q")  # quit, from the lesson list
    ended = wait_for(lambda: _displayed(driver, "ended"), 60, "the 'session ended' dialog")
    assert "Sesi ini sudah selesai." in ended.text
    wait_for(lambda: not alive(pid), 30, f"app process {pid} to end")
    driver.find_element("id", "restart").click()
    click_start(driver)
    wait_for_text(driver, *LESSONS_ID, timeout=SESSION_START)
    assert len(server.session_pids()) == 1 and pid not in server.session_pids()


def _displayed(driver, element_id: str):
    elements = driver.find_elements("id", element_id)
    return elements[0] if elements and elements[0].is_displayed() else None
