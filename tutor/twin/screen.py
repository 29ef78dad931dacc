"""The twin on screen (Textual): the predicted and the measured lane side by side, live, with a
stop key; the differences and what the twin left out once the run is over.

While the run goes on, the predicted lane is the simulator's run at the planned times, shown up to
now; the measured lane fills in as answers come. At the end both lanes are the final comparison
(the simulator replayed on the real arrival times), the same figures `tutor twin` prints.
"""

from __future__ import annotations

import threading
import time

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from tutor.i18n import tr
from tutor.twin import compare
from tutor.twin.report import difference_text, note_text, wait_text

TEXT = "twin"


def lane_text(rows: list[compare.Row], servers: list[str], waiting: dict[str, int] | None, on_way: int,
              lang: str) -> str:
    """One lane as lines: per app answered (and waiting now, when this side knows it), its
    p50/p95/longest; then 502/504 and no answer, requests on their way and the longest wait."""
    figures = compare.lane(rows, servers)
    lines = []
    for name in servers:
        f = figures["servers"][name]
        key = "screen.server" if waiting is None else "screen.server_waiting"
        lines.append(tr(TEXT, key, lang, server=name, answered=f["answered"],
                        waiting=(waiting or {}).get(name, 0)))
        lines.append(f"  p50 {wait_text(f['p50'], lang, True)} · p95 {wait_text(f['p95'], lang, True)} · "
                     f"max {wait_text(f['longest'], lang, True)}")
    status = figures["status"]
    lines.append(tr(TEXT, "screen.status", lang, bad=status["502"], timeout=status["504"], none=status["none"]))
    lines.append(tr(TEXT, "screen.longest", lang, waiting=on_way, longest=wait_text(figures["longest"], lang, True)))
    return "\n".join(lines)


def failure_text(exc: Exception, lang: str) -> str:
    """Why a run failed, in `lang` when the error knows its catalogue key."""
    from tutor.live.hosts import HostError
    from tutor.strings import host_error_text
    from tutor.twin.build import TwinError

    if isinstance(exc, TwinError):
        return exc.message(lang)
    if isinstance(exc, HostError):
        return host_error_text(exc, lang)
    return str(exc)


class TwinScreen(Screen):
    """The two lanes, live. `run(stop, on_start, on_line, on_event)` does the run (in a thread) and
    returns its result; any app can push this screen (q leaves it once the run is over)."""

    DEFAULT_CSS = """
    TwinScreen { layout: vertical; }
    TwinScreen #title { height: auto; text-style: bold; padding: 0 1; }
    TwinScreen #lanes { height: auto; }
    TwinScreen .lane { width: 1fr; height: auto; border: heavy $accent; padding: 0 1; }
    TwinScreen #measured { border: heavy $success; }
    TwinScreen #strips { height: auto; padding: 0 1; }
    TwinScreen #tail { height: 1fr; padding: 0 1; }
    TwinScreen #keys { dock: bottom; height: 1; background: $accent; color: $text; text-style: bold; padding: 0 1; }
    """
    BINDINGS = [Binding("s", "stop", "stop", show=False), Binding("q", "leave", "quit", show=False)]

    def __init__(self, run, lang: str, title: str) -> None:
        super().__init__()
        self._run, self.lang, self._title = run, lang, title
        self.stop_event = threading.Event()
        self.result: dict | None = None
        self.error: str | None = None
        self._planned: list[compare.Row] = []
        self._measured: list[dict] = []
        self._servers: list[str] = []
        self._start = 0.0
        self._events: list[dict] = []

    def compose(self) -> ComposeResult:
        yield Static(self._title, id="title", markup=False)
        with Horizontal(id="lanes"):
            yield Static("", id="predicted", classes="lane", markup=False)
            yield Static("", id="measured", classes="lane", markup=False)
        yield Static("", id="strips", markup=False)
        with VerticalScroll(id="tail"):
            yield Static(tr(TEXT, "screen.preparing", self.lang), id="notes", markup=False)
        yield Static(tr(TEXT, "screen.keys", self.lang), id="keys", markup=False)

    def on_mount(self) -> None:
        self.query_one("#predicted").border_title = tr(TEXT, "lane.predicted", self.lang)
        self.query_one("#measured").border_title = tr(TEXT, "lane.measured", self.lang)
        self.run_worker(self._work, thread=True)
        self.set_interval(0.25, self._refresh)

    def _work(self) -> None:
        try:
            result = self._run(self.stop_event, self._on_start, self._on_line, self._on_event)
        except Exception as exc:  # noqa: BLE001 - shown on the screen, one line
            why = failure_text(exc, self.lang)
            self.app.call_from_thread(self._failed, why.splitlines()[0][:200] if why else type(exc).__name__)
            return
        self.app.call_from_thread(self._finished, result)

    def _on_start(self, start: float, rows, servers) -> None:
        self._start, self._planned, self._servers = start, list(rows), list(servers)

    def _on_line(self, line: dict) -> None:
        self._measured.append(line)

    def _on_event(self, event: dict) -> None:
        self._events.append(event)

    def action_stop(self) -> None:
        self.stop_event.set()
        self.query_one("#notes", Static).update(tr(TEXT, "screen.stopping", self.lang))

    def action_leave(self) -> None:
        self.stop_event.set()
        if self.result is not None or self.error is not None:
            self.dismiss(self.result)

    def _refresh(self) -> None:
        if self.result is not None or not self._servers:
            return
        now = time.time() - self._start
        predicted = [row for row in self._planned if row.t + row.latency <= now]
        waiting_p: dict[str, int] = {}
        for row in self._planned:
            if row.t <= now < row.t + row.latency and row.tried:
                waiting_p[row.tried[-1]] = waiting_p.get(row.tried[-1], 0) + 1
        measured = compare.rows_from_sender(list(self._measured), {})
        due = sum(1 for row in self._planned if row.t <= now)
        self._show(predicted, measured, (waiting_p, sum(waiting_p.values())), (None, max(0, due - len(measured))))
        events = "\n".join(tr(TEXT, "event", self.lang, planned=e["planned"], at=e["at"],
                              action=e["action"], machine=e["machine"]) for e in self._events)
        self.query_one("#notes", Static).update(
            tr(TEXT, "screen.running", self.lang, now=max(0.0, now)) + ("\n" + events if events else ""))

    def _show(self, predicted: list[compare.Row], measured: list[compare.Row],
              waiting_p: tuple[dict[str, int] | None, int], waiting_m: tuple[dict[str, int] | None, int]) -> None:
        """Both lanes; `waiting_*` = (per app waiting now or None when unknown, on their way)."""
        self.query_one("#predicted", Static).update(lane_text(predicted, self._servers, *waiting_p, lang=self.lang))
        self.query_one("#measured", Static).update(lane_text(measured, self._servers, *waiting_m, lang=self.lang))
        width = max(20, self.size.width - 14)
        p_strip = compare.strip(predicted, self._servers)[-width:]
        m_strip = compare.strip(measured, self._servers)[-width:]
        self.query_one("#strips", Static).update(
            f"{tr(TEXT, 'strip.predicted', self.lang):<10} {p_strip}\n{tr(TEXT, 'strip.measured', self.lang):<10} {m_strip}")

    def _failed(self, why: str) -> None:
        self.error = why
        self.query_one("#notes", Static).update(tr(TEXT, "screen.failed", self.lang, why=why))

    def _finished(self, result: dict) -> None:
        self.result = result
        servers = [s["name"] for s in result["config"]["servers"]]
        self._servers = servers
        rows = {side: [compare.Row(r["t"], r[side]["server"], r[side]["status"], r[side]["latency"],
                                   tuple(r[side]["tried"])) for r in result["requests"]]
                for side in ("predicted", "measured")}
        self._show(rows["predicted"], rows["measured"], ({}, 0), (None, 0))
        lines = []
        tolerance = tr(TEXT, "tolerance", self.lang)
        if result["differences"]:
            lines.append(tr(TEXT, "differences", self.lang, count=len(result["differences"]), tolerance=tolerance))
            lines += [f"• {difference_text(d, self.lang)}" for d in result["differences"]]
        else:
            lines.append(tr(TEXT, "no_differences", self.lang, tolerance=tolerance))
        if result["left_out"]:
            lines += ["", tr(TEXT, "left_out", self.lang)] + [f"• {note_text(n, self.lang)}" for n in result["left_out"]]
        lines += ["", tr(TEXT, "screen.done", self.lang)]
        self.query_one("#notes", Static).update("\n".join(lines))


class TwinApp(App):
    """`tutor twin ... --screen`: the twin screen alone; `result`/`error` once it is left."""

    def __init__(self, run, lang: str, title: str) -> None:
        super().__init__()
        self.screen_ = TwinScreen(run, lang, title)

    def on_mount(self) -> None:
        self.push_screen(self.screen_, lambda _result: self.exit())

    @property
    def result(self) -> dict | None:
        return self.screen_.result

    @property
    def error(self) -> str | None:
        return self.screen_.error
