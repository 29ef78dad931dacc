"""Helpers for `tutor serve` tests and its benchmark: start the server, drive Debian's chromium, read the page.

The browser is Debian's `chromium` driven through Debian's `chromium-driver` (same build, so the
protocol always matches) by Selenium; nothing is downloaded. The terminal in the page draws on a
canvas, so its text is read from xterm.js's own buffer: a script injected before the page's own
scripts records every xterm `Terminal` object the page creates.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
URL_PATTERN = re.compile(r"(http://\S+/\S*)")

RECORD_TERMINALS = """
window.__tutorTerminals = [];
Object.defineProperty(Object.prototype, "terminal", {
  configurable: true,
  set(value) {
    Object.defineProperty(this, "terminal", {value, writable: true, configurable: true, enumerable: true});
    if (value && typeof value === "object" && "buffer" in value) window.__tutorTerminals.push(value);
  },
});
"""

SCREEN_TEXT = """
const term = window.__tutorTerminals && window.__tutorTerminals[0];
if (!term) return null;
const buffer = term.buffer.active;
const lines = [];
for (let row = 0; row < term.rows; row++) {
  const line = buffer.getLine(buffer.viewportY + row);
  lines.push(line ? line.translateToString(true) : "");
}
return lines.join("\\n");
"""


def browser_missing() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    for path in (CHROMIUM, CHROMEDRIVER):
        if not (os.path.exists(path) or shutil.which(Path(path).name)):
            return f"{path} is not installed (Debian packages chromium and chromium-driver)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install '.[test]')"
    return None


def wait_for(condition: Callable[[], object], timeout: float, what: str, interval: float = 0.1):
    """Poll `condition` until it returns something truthy; fail with `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


class ServeProcess:
    """`tutor serve` in a subprocess on a free loopback port; `close()` stops it with SIGINT (as Ctrl+C)."""

    def __init__(self, *args: str, env: dict[str, str] | None = None, timeout: float = 60.0,
                 command: list[str] | None = None) -> None:
        """`command`: run this instead of `tutor serve` (a test's own server that prints its URL)."""
        argv = command or [sys.executable, "-m", "tutor", "serve", "--port", "0", *args]
        self.process = subprocess.Popen(argv, cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.stdout: list[str] = []
        self.stderr: list[str] = []
        threading.Thread(target=self._collect, args=(self.process.stdout, self.stdout), daemon=True).start()
        threading.Thread(target=self._collect, args=(self.process.stderr, self.stderr), daemon=True).start()
        try:
            self.url = wait_for(self._printed_url, timeout, "tutor serve to print its URL")
        except AssertionError:
            self.close()
            raise AssertionError(f"tutor serve did not start: {''.join(self.stderr)[-2000:]}") from None
        self.origin = re.match(r"http://[^/]+", self.url).group(0)

    @staticmethod
    def _collect(stream, lines: list[str]) -> None:
        for line in stream:
            lines.append(line)

    def _printed_url(self) -> str | None:
        if self.process.poll() is not None:
            raise AssertionError(f"tutor serve exited {self.process.returncode}: {''.join(self.stderr)[-2000:]}")
        for line in self.stdout:
            match = URL_PATTERN.search(line)
            if match:
                return match.group(1)
        return None

    @property
    def pid(self) -> int:
        return self.process.pid

    def session_pids(self) -> set[int]:
        """The app processes the server runs now (its direct children)."""
        return children_of(self.pid)

    def close(self, timeout: float = 60.0) -> int:
        """Ctrl+C (SIGINT), wait for the exit; SIGKILL if it hangs. Returns the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


def children_of(pid: int) -> set[int]:
    """The pids whose parent is `pid` (from /proc)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.add(int(entry.name))
    return found


def alive(pid: int) -> bool:
    """True while `pid` exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def tree_rss_kib(pid: int) -> int:
    """Resident memory of `pid` and all its descendants, in KiB."""
    total = 0
    todo = [pid]
    while todo:
        current = todo.pop()
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
        todo.extend(children_of(current))
    return total


@contextlib.contextmanager
def required_chrome(width: int = 1280, height: int = 800):
    """`chrome()` for a test: skipped without a browser, failed instead when TUTOR_REQUIRE_BROWSER=1
    (CI); the browser is quit afterwards."""
    reason = browser_missing()
    if reason:
        if os.environ.get("TUTOR_REQUIRE_BROWSER") == "1":
            pytest.fail(f"a browser is required (TUTOR_REQUIRE_BROWSER=1): {reason}")
        pytest.skip(reason)
    browser = chrome(width, height)
    try:
        yield browser
    finally:
        browser.quit()


def chrome(width: int = 1280, height: int = 800):
    """A headless Debian chromium with the terminal recorder installed and the network log on."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--no-proxy-server",
                     f"--window-size={width},{height}", "--disable-background-networking",
                     "--disable-component-update", "--no-first-run", "--disable-sync"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": RECORD_TERMINALS})
    return driver


def new_tab(driver) -> str:
    """Open a tab, switch to it and install the terminal recorder there too; returns its handle."""
    driver.switch_to.new_window("tab")
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": RECORD_TERMINALS})
    return driver.current_window_handle


def screen_text(driver) -> str:
    """The text the terminal in the current tab shows ('' before it exists)."""
    return driver.execute_script(SCREEN_TEXT) or ""


def click_start(driver, timeout: float = 60.0) -> None:
    """Click the page's Start button as a person would (a real mouse click through the driver)."""
    from selenium.webdriver.common.by import By

    button = wait_for(lambda: _displayed(driver, By.ID, "start"), timeout, "the Start button")
    button.click()


def _displayed(driver, by, value):
    elements = driver.find_elements(by, value)
    return elements[0] if elements and elements[0].is_displayed() else None


def wait_for_text(driver, *needles: str, timeout: float = 90.0) -> str:
    """Wait until the terminal shows every one of `needles`; returns the screen text."""
    return wait_for(lambda: (text := screen_text(driver)) and all(n in text for n in needles) and text,
                    timeout, f"the terminal to show {needles!r}")


def press(driver, *keys: str) -> None:
    """Type keys into the terminal (it has the focus after Start), one at a time."""
    from selenium.webdriver.common.action_chains import ActionChains

    for key in keys:
        ActionChains(driver).send_keys(key).perform()


def requested_urls(driver) -> list[str]:
    """Every URL the browser asked for since the last call (pages, scripts, fonts, websockets)."""
    import json

    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
        elif message["method"] == "Network.webSocketCreated":
            urls.append(message["params"]["url"])
    return urls


def console_errors(driver) -> list[str]:
    """The page's console errors since the last call (a blocked request, a script error)."""
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
