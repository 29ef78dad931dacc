"""The end-of-run summary: totals, latency over time and requests per server, drawn once."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Static
from textual_plotext import PlotextPlot

from tutor.i18n import tr
from tutor.simview.frame import format_ms
from tutor.simview.strings import STRINGS


def summary_line(lang: str, direct: bool, *, sent: int, ok: int, e502: int, e504: int, waiting: int,
                 retries: int, p50: float | None, p95: float | None) -> str:
    """One line of a whole run's totals; a direct scenario (no nginx) says refused / timed out, not 502 / 504."""
    return tr(STRINGS, "sum.line_direct" if direct else "sum.line", lang, sent=sent, ok=ok, e502=e502, e504=e504,
              waiting=waiting, retries=retries, p50=format_ms(p50, lang), p95=format_ms(p95, lang))


def report_line(report: dict, direct: bool, lang: str) -> str:
    """`summary_line` of a headless run's report (sim's JSON object, DESIGN.md section 3)."""
    status, requests, latency = report["status"], report["requests"], report["latency"]
    answered = sum(status.values())
    return summary_line(lang, direct, sent=requests["sent"], ok=requests["ok"], e502=status.get("502", 0),
                        e504=status.get("504", 0), waiting=max(0, requests["sent"] - answered),
                        retries=report["retries"], p50=latency["p50"] if answered else None,
                        p95=latency["p95"] if answered else None)


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
        line = summary_line(lang, frame.direct, sent=counters.sent, ok=counters.ok, e502=counters.e502,
                            e504=counters.e504, waiting=counters.waiting, retries=counters.retries, p50=p50, p95=p95)
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
