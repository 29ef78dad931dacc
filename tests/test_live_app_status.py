"""app-running: an app that answers 5xx is not running well, and a 404 at `/` is not the app.

Regression (3) of issue 10: without these tests the suite passed with 5xx counted as running.
"""

from __future__ import annotations

import pytest

from live_support import lab_machines
from tutor.live.runner import run_checks

TIMEOUT = 2.0


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_an_app_answering_5xx_is_not_running(lab, status):
    good = lab.backend("app1", "127.0.0.2")
    failing = lab.backend("app2", "127.0.0.3", mode="status", extra=("--status", str(status)))
    [result] = await run_checks(["app-running"], lab_machines(None, [good, failing]), "en", TIMEOUT)
    assert (result.ok, result.code, result.evidence["status"]) == (False, "http_status", status)
    assert f"app2 ({failing.address}) answered HTTP {status}" in result.message
    assert "app1" not in result.message


async def test_a_404_at_the_root_is_not_the_app_and_the_page_that_answered_is_named(lab):
    other = lab.backend("app1", "127.0.0.2", mode="status", extra=("--status", "404"))
    [result] = await run_checks(["app-running"], lab_machines(None, [other]), "en", TIMEOUT)
    assert (result.ok, result.code, result.evidence["status"]) == (False, "http_status", 404)
    assert "answered HTTP 404 at /: what answered is not the app but a page titled" in result.message
    assert "Server: BaseHTTP" in result.message and f"port {other.port}" in result.message
    [indonesian] = await run_checks(["app-running"], lab_machines(None, [other]), "id", TIMEOUT)
    assert "yang menjawab bukan aplikasinya" in indonesian.message


async def test_an_app_answering_200_is_running(lab):
    app = lab.backend("app1", "127.0.0.2")
    [result] = await run_checks(["app-running"], lab_machines(None, [app]), "en", TIMEOUT)
    assert result.ok and "HTTP 200" in result.message
