"""The twin's screen with a made-up run (no lab): both lanes fill, the stop key stops the run, the
differences show at the end, every size fits, both languages."""

from __future__ import annotations

import threading

import pytest
from test_twin import canned

from tutor.twin.compare import Row
from tutor.twin.screen import TwinApp


def fake_run(release: threading.Event):
    """A run that starts at once, answers two requests, then waits for `stop` (or `release`)."""
    seen = {}

    def run(stop, on_start, on_line, on_event):
        import time

        now = time.time()
        on_start(now - 1.0, [Row(0.1, "app1", 200, 0.002, ("app1",)), Row(0.2, "app2", 200, 0.002, ("app2",))],
                 ["app1", "app2"])
        on_line({"t": 0.1, "late": 0.0, "status": 200, "latency": 0.002, "served_by": "app1", "upstream": "", "page": ""})
        on_line({"t": 0.2, "late": 0.0, "status": 502, "latency": 0.002, "served_by": "", "upstream": "", "page": ""})
        while not stop.wait(0.02) and not release.is_set():
            pass
        seen["stopped"] = stop.is_set()
        return canned(differ=True)

    return run, seen


def text_of(app, selector: str) -> str:
    return str(app.screen.query_one(selector).render())


@pytest.mark.parametrize("lang", ["id", "en"])
@pytest.mark.parametrize("size", [(80, 24), (120, 40), (200, 50)])
async def test_both_lanes_live_then_the_stop_key_and_the_differences(lang, size):
    from tui_support import wait_for

    release = threading.Event()
    run, seen = fake_run(release)
    app = TwinApp(run, lang, "tutor twin · test")
    try:
        async with app.run_test(size=size) as pilot:
            assert await wait_for(pilot, lambda: "502: 1" in text_of(app, "#measured"))
            assert "app2" in text_of(app, "#predicted")
            await pilot.press("s")
            assert await wait_for(pilot, lambda: app.result is not None)
            assert seen["stopped"] is True
            notes = text_of(app, "#notes")
            assert ("app2" in notes) and ("stopped answering" in notes or "berhenti menjawab" in notes)
            lanes = app.screen.query_one("#lanes").region
            assert lanes.width <= size[0] and app.screen.query_one("#measured").region.right <= size[0]
            await pilot.press("q")
    finally:
        release.set()
