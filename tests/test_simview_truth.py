"""The simulator view tells the truth: the table, the counters, the narration line and the end
summary all come from the same counts, and requests nobody answers (a hung app) are shown per
server and in the totals, as `tutor sim` reports them."""

from __future__ import annotations

import textwrap

from textual.app import App, ComposeResult
from textual.reactive import reactive
from textual.widgets import Static

from sim import load_scenario
from tutor.simview.diagram import LAYOUTS, server_row
from tutor.simview.panel import SimPanel
from tutor.simview.player import Player

HANG = """
[scenario]
name = "hang-test"
seed = 3
duration = 20.0

[traffic]
pattern = "uniform"
rate = 10.0

[nginx]
read_timeout = 60.0

[[server]]
name = "app1"
address = "10.37.19.46:3000"
service = { dist = "const", mean = 0.01 }

[[server]]
name = "app2"
address = "10.37.19.182:3000"
service = { dist = "const", mean = 0.01 }

[[event]]
at = %s
server = "app2"
action = "hang"
"""


def scenario(tmp_path, hang_at: float = 5.0, name: str = "hang.toml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(HANG % hang_at))
    return load_scenario(path)


class PanelApp(App):
    lang = reactive("en")

    def __init__(self, the_scenario, lang: str = "en") -> None:
        super().__init__()
        self.set_reactive(PanelApp.lang, lang)
        self.panel = SimPanel(the_scenario, lang, timer=False, playing=False)

    def compose(self) -> ComposeResult:
        yield self.panel


def text(panel: SimPanel, selector: str) -> str:
    widget = panel.query_one(selector)
    return str(widget.content if isinstance(widget, Static) else widget.renderable)


def test_requests_a_hung_app_holds_are_counted_per_server_and_in_total(tmp_path):
    player = Player(scenario(tmp_path))
    player.fast_forward()
    counters, report = player.frame.counters, player.sim.metrics()["requests"]
    app2 = player.frame.servers[1]
    assert counters.waiting == report["dropped"] > 50  # what `tutor sim` calls unanswered
    assert app2.state == "hung" and app2.stuck == counters.waiting
    assert counters.ok + counters.e502 + counters.e504 + counters.waiting == counters.sent == report["sent"]
    assert player.frame.servers[0].stuck == 0


async def test_table_counters_narration_and_summary_agree(tmp_path):
    app = PanelApp(scenario(tmp_path))
    async with app.run_test(size=(120, 40)) as pilot:
        panel = app.panel
        panel.player.advance_by(15.0)
        panel.redraw()
        await pilot.pause()
        frame = panel.player.frame
        stuck = frame.servers[1].stuck
        assert stuck > 20 and frame.counters.waiting >= stuck
        assert f"no answer yet {frame.counters.waiting}" in text(panel, "#sv-counters")
        narration = text(panel, "#sv-narration")
        assert f"{stuck} requests wait on app2 with no answer" in narration
        assert "10 req/s" not in narration  # offered, not answered: app1 answers about 5
        row = str(panel.query_one("#sv-diagram").content).split("\n")[server_row(1, LAYOUTS["normal"])]
        assert row.split()[-4:] == ["0", "0", str(stuck), str(frame.servers[1].served)]
        panel.player.fast_forward()
        panel.tick()
        await pilot.pause()
        waiting = panel.player.frame.counters.waiting
        assert waiting == panel.player.sim.metrics()["requests"]["dropped"]
        assert f"unanswered {waiting}" in text(panel, "#sv-sum-line")


async def test_percentiles_with_nothing_answered_read_a_dash(tmp_path):
    app = PanelApp(scenario(tmp_path, hang_at=0.0), lang="id")
    async with app.run_test(size=(120, 40)) as pilot:
        panel = app.panel
        panel.player.server_action(0, "hang")  # both hung: nothing is ever answered
        panel.player.advance_by(4.0)
        panel.redraw()
        await pilot.pause()
        assert text(panel, "#sv-label-p50").endswith("—") and text(panel, "#sv-label-p95").endswith("—")
        assert "0.0 ms" not in text(panel, "#sv-label-p50")
        panel.player.fast_forward()
        panel.tick()
        await pilot.pause()
        line = text(panel, "#sv-sum-line")
        assert "p50 —" in line and "p95 —" in line and "tak terjawab" in line


def test_throughput_is_a_readable_average_not_one_jumpy_second(tmp_path):
    player = Player(scenario(tmp_path, hang_at=100.0))
    player.advance_by(12.0)
    series = player.series
    assert series.rate() == sum(series.throughput[-5:]) / 5
    assert all(abs(value - 10.0) <= 1.0 for value in series.smoothed()[5:])


async def test_presenter_mode_fills_the_screen_with_a_big_diagram_big_counters_and_the_narration(tmp_path):
    app = PanelApp(scenario(tmp_path))
    async with app.run_test(size=(120, 40)) as pilot:
        panel = app.panel
        panel.styles.height = 38
        panel.player.advance_by(12.0)
        panel.redraw()
        await pilot.pause()
        normal_height = panel.query_one("#sv-diagram").size.height
        panel.presenter = True
        await pilot.pause()
        big = panel.query_one("#sv-big")
        assert big.display and big.size.height >= 5
        counters = panel.player.frame.counters
        from textual.widgets import Digits

        assert panel.query_one("#sv-big-ok", Digits).value == str(counters.ok)
        assert panel.query_one("#sv-big-waiting", Digits).value == str(counters.waiting)
        assert panel.query_one("#sv-diagram").size.height > normal_height + 2
        assert panel.query_one("#sv-narration").outer_size.height >= 5  # framed, bold, centred
        assert not panel.query_one("#sv-counters").display  # the digits say it, larger
