"""What the simulator draws fits 60x20, 80x24 and 200x50: numbers keep their columns and labels,
titles end in an ellipsis, chart axes have whole-number ticks, presenter mode uses a big screen."""

from __future__ import annotations

import pytest
from textual.app import App, ComposeResult
from textual.reactive import reactive

from tutor.scenarios import runnable
from tutor.simview import SimPanel
from tutor.simview.diagram import LAYOUTS, render_diagram, server_row
from tutor.simview.frame import Counters, Frame, ServerView
from tutor.simview.panel import wrap_items
from tutor.simview.style import palette
from tutor.simview.summary import nice_ticks


def busy_frame() -> Frame:
    servers = (ServerView("sinambela", "10.37.19.64:3000", "up", active=1, queued=513, served=2364),)
    return Frame(t=120.0, duration=120.0, policy="round_robin", rate=24.0, servers=servers,
                 counters=Counters(sent=2878, ok=2364), direct=True)


@pytest.mark.parametrize("layout, width", [("normal", 120), ("compact", 80), ("tiny", 60)])
@pytest.mark.parametrize("lang", ["en", "id"])
def test_server_numbers_stay_apart_past_a_thousand(layout, width, lang):
    text = render_diagram(busy_frame(), None, lang=lang, layout=LAYOUTS[layout], palette=palette(False), width=width)
    row = text.plain.split("\n")[server_row(0, LAYOUTS[layout])]
    assert row.split()[-4:] == ["1", "513", "0", "2364"], row  # was "0   02364" at 80 columns
    assert len(row.rstrip()) <= width


def test_counters_wrap_by_whole_items():
    text = "✔ ok 2364  ✕ refused 0  ◷ timed out 0  ◔ no answer yet 514  sent 2878"
    lines = wrap_items(text, 60).split("\n")
    assert lines == ["✔ ok 2364  ✕ refused 0  ◷ timed out 0  ◔ no answer yet 514", "sent 2878"]
    assert wrap_items(text, 200) == text


def test_axis_ticks_are_whole_numbers():
    for top in (3, 77.8, 155.5, 2364, 20619.5):
        ticks = nice_ticks(top)
        assert ticks[0] == 0 and all(isinstance(tick, int) for tick in ticks) and ticks[-1] <= top
        assert 3 <= len(ticks) <= 6 or top < 5
    assert nice_ticks(77.8) == [0, 20, 40, 60]


class PlayPanelApp(App):
    lang = reactive("id")

    def __init__(self, scenario: str, lang: str, presenter: bool = False) -> None:
        super().__init__()
        self.set_reactive(PlayPanelApp.lang, lang)
        self.panel = SimPanel(runnable(scenario), lang, timer=False, playing=False)
        self.presenter = presenter

    def compose(self) -> ComposeResult:
        yield self.panel

    def on_mount(self) -> None:
        self.panel.styles.height = "1fr"
        self.panel.presenter = self.presenter


@pytest.mark.parametrize("size", [(60, 20), (80, 24)])
@pytest.mark.parametrize("lang", ["en", "id"])
async def test_small_screens_keep_titles_sent_and_latency_labels(size, lang):
    app = PlayPanelApp("web-server-basic", lang)
    async with app.run_test(size=size) as pilot:
        panel = app.panel
        panel.player.advance_by(30.0)
        panel.redraw(full=True)
        await pilot.pause()
        strip = panel.query_one("#sv-status").render_line(0)
        status = "".join(segment.text for segment in strip)
        title = panel.player.title(lang)
        assert len(status) <= size[0]
        assert status.rstrip().endswith((title, "…")) and (title in status or "…" in status)  # cut: an ellipsis
        counters = str(panel.query_one("#sv-counters").render()).split("\n")
        sent = panel.player.frame.counters.sent
        assert sent >= 100 and any(line.strip().endswith(f" {sent}") for line in counters)
        assert all(len(line.rstrip()) <= size[0] for line in counters)
        labels = [str(panel.query_one(f"#sv-label-{key}").render()) for key in ("p50", "p95")]
        assert all(label.rstrip().endswith(("ms", " s", "dtk")) for label in labels), labels


async def test_presenter_mode_uses_a_projector_screen():
    app = PlayPanelApp("lb-one-dies", "en", presenter=True)
    async with app.run_test(size=(200, 50)) as pilot:
        panel = app.panel
        panel.player.advance_by(10.0)
        panel.redraw(full=True)
        await pilot.pause()
        lines = str(panel.query_one("#sv-diagram").content).split("\n")
        assert max(len(line.rstrip()) for line in lines) > 150  # not the 80-column drawing
        assert len(lines) >= 12  # rows spread out
        log = panel.query_one("#sv-log")
        assert log.size.height < 25  # no half-empty screen of log


def two_servers_one_disabled() -> Frame:
    servers = (ServerView("app1", "10.37.19.46:3000", "up", active=12, queued=140, served=1234),
               ServerView("app2", "10.37.19.182:3000", "up", ban_left=7, served=987))
    return Frame(t=123.4, duration=600.0, policy="round_robin", rate=100.0, servers=servers,
                 counters=Counters(sent=2400, ok=2221))


@pytest.mark.parametrize("width", [58, 55])  # a 60-column terminal, in `tutor play` and in a lesson
@pytest.mark.parametrize("lang", ["en", "id"])
def test_a_60_column_table_keeps_the_served_column(width, lang):
    text = render_diagram(two_servers_one_disabled(), None, lang=lang, layout=LAYOUTS["tiny"], palette=palette(False),
                          width=width)
    lines = text.plain.split("\n")
    assert all(len(line.rstrip()) <= width for line in lines), lines
    heading = lines[0].split()[-4:]
    assert heading[-1] in ("srv", "lyn"), lines[0]  # was dropped at 60 columns
    assert lines[server_row(0, LAYOUTS["tiny"])].split()[-4:] == ["12", "140", "0", "1234"]
    row = lines[server_row(1, LAYOUTS["tiny"])]
    assert row.split()[-4:] == ["0", "0", "0", "987"] and "⊘ app2 " in row  # its state: the symbol, words cut
    assert "10 req/dtk╰" not in text.plain  # the rate label never touches the nginx box


class StatusApp(PlayPanelApp):
    CSS = "SimPanel { padding: 0 1; }"  # as `tutor play` shows it


@pytest.mark.parametrize("lang", ["en", "id"])
async def test_the_header_keeps_its_rate_at_60x20(lang):
    app = StatusApp("lb-least-conn", lang)  # 300 s: three digits of time
    async with app.run_test(size=(60, 20)) as pilot:
        panel = app.panel
        panel.player.advance_by(123.0)
        panel.redraw(full=True)
        await pilot.pause()
        strip = panel.query_one("#sv-status").render_line(0)
        status = "".join(segment.text for segment in strip).rstrip()
        rate, unit = f"{panel.player.frame.rate:g}", "s" if lang == "en" else "dtk"
        before_title = status.split("·")[0].rstrip()
        assert "t=123" in status and before_title.endswith((f"{rate} req/{unit}", f"{rate}/{unit}")), status
        assert status.endswith("…") or status.endswith(panel.player.title(lang))
    wide = StatusApp("lb-tutorial", lang)
    async with wide.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert ("speed" if lang == "en" else "kecepatan") in str(wide.panel.query_one("#sv-status").render())
