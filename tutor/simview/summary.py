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
    failures = report.get("failures", {})  # a direct scenario's (sim/result.py `client_view`)
    answered = sum(status.values()) + sum(failures.values())
    return summary_line(lang, direct, sent=requests["sent"], ok=requests["ok"],
                        e502=status.get("502", 0) + failures.get("refused", 0),
                        e504=status.get("504", 0) + failures.get("timeouts", 0), waiting=max(0, requests["sent"] - answered),
                        retries=report["retries"], p50=latency["p50"] if answered else None,
                        p95=latency["p95"] if answered else None)


def nice_ticks(top: float, count: int = 4) -> list[int]:
    """Whole-number axis ticks from 0 to at least `top`, at a step of 1, 2 or 5 x a power of ten
    (plotext would write 77.8 requests or 20619.5 ms)."""
    if top <= 0:
        return [0]
    raw = top / count
    power = 10 ** max(0, len(str(int(raw))) - 1)
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    ticks = list(range(0, int(top) + 1, step))
    return ticks if len(ticks) > 1 else [0, step]


def _integer_ticks(set_ticks, top: float) -> None:
    ticks = nice_ticks(top)
    set_ticks(ticks, [str(tick) for tick in ticks])


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
        slow = bool(seconds) and max(series.p95[s] for s in seconds) >= 2.0  # seconds read better than 20619.5 ms
        scale = 1.0 if slow else 1000.0
        if seconds:
            # Two different marker shapes, so the lines differ without colour.
            p50s = [series.p50[s] * scale for s in seconds]
            p95s = [series.p95[s] * scale for s in seconds]
            plt.plot(seconds, p50s, label="p50", marker="•")
            plt.plot(seconds, p95s, label="p95", marker="x")
            _integer_ticks(plt.yticks, max(p95s + p50s))
            _integer_ticks(plt.xticks, max(seconds))
        plt.title(tr(STRINGS, "sum.latency_s" if slow else "sum.latency", lang))
        plt.xlabel(tr(STRINGS, "sum.time", lang))
        latency.refresh()

        servers = self.query_one("#sv-sum-servers", PlotextPlot)
        plt = servers.plt
        plt.clear_data()
        plt.clear_figure()
        names = [server.name for server in frame.servers]
        served = [server.served for server in frame.servers]
        plt.bar(names, served, orientation="horizontal", width=0.3)
        _integer_ticks(plt.xticks, max(served, default=0))
        plt.title(tr(STRINGS, "sum.per_server", lang))
        servers.refresh()
