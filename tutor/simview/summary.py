"""The end-of-run summary: totals, latency over time and requests per server, drawn once."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Static
from textual_plotext import PlotextPlot

from tutor.i18n import tr
from tutor.simview.frame import format_ms
from tutor.simview.strings import STRINGS


class SimSummary(Vertical):
    """Shown in place of the live sparklines and log when the scenario ends."""

    DEFAULT_CSS = """
    SimSummary { height: 1fr; min-height: 6; }
    SimSummary #sv-sum-line { height: auto; text-style: bold; }
    SimSummary Horizontal { height: 1fr; }
    SimSummary PlotextPlot { width: 1fr; height: 1fr; }
    """

    def compose(self) -> ComposeResult:
        yield Static(id="sv-sum-line")
        with Horizontal():
            yield PlotextPlot(id="sv-sum-latency")
            yield PlotextPlot(id="sv-sum-servers")

    def show(self, player, lang: str) -> None:
        """Fill the summary from the finished player's metrics (called once per run and language)."""
        frame, series = player.frame, player.series
        counters = frame.counters
        p50, p95 = series.overall()
        line = tr(STRINGS, "sum.line", lang, sent=counters.sent, ok=counters.ok, e502=counters.e502,
                  e504=counters.e504, waiting=counters.waiting, retries=counters.retries, p50=format_ms(p50),
                  p95=format_ms(p95))
        title = tr(STRINGS, "sum.title", lang, name=player.title(lang))
        self.query_one("#sv-sum-line", Static).update(f"{title}\n{line}")

        latency = self.query_one("#sv-sum-latency", PlotextPlot)
        plt = latency.plt
        plt.clear_data()
        plt.clear_figure()
        seconds = [second for second, count in enumerate(series.answered) if count]  # no answer: no point
        if seconds:
            # Two different marker shapes, so the lines differ without colour.
            plt.plot(seconds, [series.p50[s] * 1000 for s in seconds], label="p50", marker="•")
            plt.plot(seconds, [series.p95[s] * 1000 for s in seconds], label="p95", marker="x")
        plt.title(tr(STRINGS, "sum.latency", lang))
        plt.xlabel(tr(STRINGS, "sum.time", lang))
        latency.refresh()

        servers = self.query_one("#sv-sum-servers", PlotextPlot)
        plt = servers.plt
        plt.clear_data()
        plt.clear_figure()
        names = [server.name for server in frame.servers]
        plt.bar(names, [server.served for server in frame.servers], orientation="horizontal", width=0.3)
        plt.title(tr(STRINGS, "sum.per_server", lang))
        servers.refresh()
