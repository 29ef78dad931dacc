"""`SimPanel`: the animated simulator as an embeddable widget.

The model is advanced on the UI's schedule in small slices (`set_interval`, at most 10 frames a
second, main thread); a fast-forward runs in a thread worker that reports back with a message.
Tests build the panel with `timer=False` and call `tick()` / `step()` by hand: no wall clock.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Button, Digits, Label, RichLog, Sparkline, Static

from tutor.i18n import number, tr
from tutor.keymap import Key, bindings
from tutor.simview.diagram import LAYOUTS, Layout, LinkAnimator, render_diagram, server_at_row
from tutor.simview.eventlog import format_entry
from tutor.simview.frame import Frame, format_ms, format_rate
from tutor.simview.narration import narrate
from tutor.scenarios import runnable
from tutor.simview.player import Player
from tutor.simview.strings import STRINGS
from tutor.simview.style import palette
from tutor.simview.series import RATE_WINDOW
from tutor.simview.summary import SimSummary
from tutor.widgets.lifecycle import being_removed

# F1 texts with a wording of their own in a direct scenario (catalogue key + "_direct")
DIRECT_EXPLAINED = frozenset({"explain.stop", "explain.hang", "explain.poweroff", "explain.start"})
PRESENTER_FIXED_ROWS = 22  # presenter rows that are not the diagram: status, narration, digits, a short log
PRESENTER_MAX_GAP = 10
PRESENTER_BASE_WIDTH = 120  # beyond this width the presenter diagram's links get longer
TALL = 34  # from this height (not compact) the diagram spreads its rows and the sparklines grow
TINY = 66  # below this width the diagram's links shrink too, so the server table keeps its numbers
NARROW_LABELS = 90  # below this width the sparkline labels drop their words ("p50 72 ms")
BIG_COUNTERS = ("ok", "e502", "e504", "waiting")  # presenter mode's large digits
FRAME_INTERVAL = 0.1  # seconds of wall time per frame (10 frames a second)
LOG_REDRAW = 200
SPARK_POINTS = 120  # seconds shown by each sparkline  # log entries redrawn after a language switch

class SimDiagram(Static):
    """The clients -> nginx -> servers drawing; a click on a server row selects it."""

    class ServerClicked(Message):
        def __init__(self, index: int) -> None:
            super().__init__()
            self.index = index

    def __init__(self, **kwargs) -> None:
        super().__init__("", **kwargs)
        self.diagram_layout: Layout = LAYOUTS["normal"]
        self.server_count = 0

    def on_click(self, event: events.Click) -> None:
        index = server_at_row(event.y, self.server_count, self.diagram_layout)
        if index is not None:
            self.post_message(self.ServerClicked(index))


class SimPanel(Widget, can_focus=True):
    """Diagram, controls, counters, sparklines and event log of one running scenario.

    `scenario` is a scenario name (in `assets/scenarios/`), a path, or a `sim.Scenario`.
    `timer=False` leaves the clock to the caller (`tick()`), for tests and benchmarks.
    """

    DEFAULT_CSS = """
    SimPanel { height: 30; layout: vertical; }
    SimPanel:focus { background-tint: $foreground 0%; }
    SimPanel #sv-status { height: 1; background: $boost; text-wrap: nowrap; text-overflow: ellipsis; }
    SimPanel #sv-narration { height: auto; color: $text-muted; }
    SimPanel #sv-diagram { height: auto; margin: 1 0 0 0; text-wrap: nowrap; text-overflow: ellipsis; }
    SimPanel #sv-counters { height: auto; margin: 1 0 0 0; text-style: bold; }
    SimPanel #sv-sparks { height: 3; margin: 1 0 0 0; }
    SimPanel .sv-spark { width: 3fr; height: 3; padding: 0 1 0 0; }
    SimPanel #sv-sparkbox-throughput { width: 4fr; }  /* its label is the longest */
    SimPanel .sv-spark Label { height: 1; color: $text-muted; }
    SimPanel .sv-spark Sparkline { height: 2; }
    SimPanel #sv-buttons { height: 1; margin: 1 0 0 0; }
    SimPanel #sv-buttons Button { margin: 0 1 0 0; min-width: 0; width: auto; }
    SimPanel #sv-log {
        height: 1fr; min-height: 3; border-top: solid $panel; background: $surface;
        border-title-color: $text; border-title-style: bold;
    }
    SimPanel SimSummary { display: none; }
    SimPanel.-finished SimSummary { display: block; }
    SimPanel.-finished #sv-sparks, SimPanel.-finished #sv-buttons { display: none; }
    SimPanel.-finished #sv-log { height: 8; min-height: 0; }
    SimPanel.-finished.-short #sv-log { display: none; }
    SimPanel.-compact #sv-diagram, SimPanel.-compact #sv-counters, SimPanel.-compact #sv-sparks { margin: 0; }
    SimPanel.-compact #sv-sparks { height: 2; }
    SimPanel.-compact .sv-spark { height: 2; }
    SimPanel.-compact .sv-spark Sparkline { height: 1; }
    SimPanel.-compact #sv-buttons { display: none; }
    SimPanel #sv-big { display: none; height: 5; margin: 1 0 0 0; }
    SimPanel .sv-big-box { width: 1fr; height: 5; align-horizontal: center; }
    SimPanel .sv-big-box Label { width: 100%; text-align: center; color: $text-muted; }
    SimPanel .sv-big-box Digits { width: 100%; text-align: center; }
    SimPanel.-tall #sv-sparks { height: 1fr; max-height: 9; }
    SimPanel.-tall .sv-spark { height: 100%; }
    SimPanel.-tall .sv-spark Sparkline { height: 1fr; }
    SimPanel.-presenter #sv-sparks, SimPanel.-presenter #sv-buttons, SimPanel.-presenter #sv-counters { display: none; }
    SimPanel.-presenter #sv-big { display: block; layout: horizontal; }
    SimPanel.-presenter #sv-narration {
        text-style: bold; color: $text; border: heavy $accent; padding: 1 2; text-align: center;
        background: $surface;  /* one colour across the box, not a dark strip right of the text */
    }
    SimPanel.-presenter #sv-diagram { margin: 1 0 1 0; }
    SimPanel.-presenter #sv-log { height: 1fr; min-height: 4; }
    """

    KEYMAP = (  # texts in the [simview] section; keys that only change the look are not in the bar
        # the bar shows them in this order, as many as fit: what a demo needs most first
        Key("sim.play", "space", "toggle_play", "key.play", bar="key.play", display="space", section="simview"),
        Key("sim.select", "1,2,3,4,5,6,7,8,9", "select_server", "key.select", display="1-9", section="simview"),
        Key("sim.stop", "s", "server_action('stop')", "explain.stop", bar="key.stop", section="simview"),
        Key("sim.start", "t", "server_action('start')", "explain.start", bar="key.start", section="simview"),
        Key("sim.hang", "h", "server_action('hang')", "explain.hang", bar="key.hang", section="simview"),
        Key("sim.poweroff", "o", "server_action('poweroff')", "explain.poweroff", bar="key.poweroff",
            section="simview"),
        Key("sim.slow", "l", "server_action('slow')", "explain.slow", bar="key.slow", section="simview"),
        Key("sim.policy", "p", "cycle_policy", "key.policy", bar="key.policy", section="simview"),
        # in a direct scenario (no nginx) p still belongs to the simulator: it says why nothing changes
        Key("sim.no_policy", "p", "no_policy", "key.no_policy", section="simview"),
        Key("sim.restart", "r", "restart", "key.restart", bar="key.restart", section="simview"),
        Key("sim.step", "full_stop", "step", "key.step", bar="key.step", section="simview"),
        Key("sim.faster", "plus,equals_sign", "faster", "key.faster", bar="key.faster", display="+",
            section="simview"),
        Key("sim.slower", "minus", "slower", "key.slower", bar="key.slower", section="simview"),
        Key("sim.rate_up", "right_square_bracket", "change_rate(1)", "key.rate_up", bar="key.rate_up",
            section="simview"),
        Key("sim.rate_down", "left_square_bracket", "change_rate(-1)", "key.rate_down", bar="key.rate_down",
            section="simview"),
        Key("sim.forward", "f", "fast_forward", "key.forward", bar="key.forward", section="simview"),
        Key("sim.jump", "j", "jump", "key.jump", section="simview"),
        Key("sim.motion", "m", "flip('reduced_motion')", "key.motion", section="simview"),
        Key("sim.colour", "c", "flip('colorblind')", "key.colour", section="simview"),
        Key("sim.presenter", "v", "flip('presenter')", "key.presenter", section="simview"),
    )
    BINDINGS: ClassVar[list[BindingType]] = [*bindings(KEYMAP)]

    lang = reactive("id")
    playing = reactive(True)
    selected = reactive(0)
    reduced_motion = reactive(False)
    colorblind = reactive(False)
    presenter = reactive(False)

    class Finished(Message):
        """The scenario reached its end (also after a fast-forward)."""

        def __init__(self, panel: SimPanel) -> None:
            super().__init__()
            self.panel = panel

        @property
        def control(self) -> SimPanel:
            return self.panel

    class FastForwarded(Message):
        """A fast-forward worker finished; the player holds the new state."""

    def __init__(
        self,
        scenario: object = None,
        lang: str = "id",
        *,
        playing: bool = True,
        speed: float = 1.0,
        timer: bool = True,
        follow_app_lang: bool = True,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.player = Player(runnable(scenario), frame_interval=FRAME_INTERVAL, speed=speed)
        self.animator = LinkAnimator(len(self.player.frame.servers))
        self._use_timer = timer
        self._follow_app_lang = follow_app_lang
        self._timer: Timer | None = None
        self._shown: dict[str, object] = {}
        self._log_written = 0
        self._log_stale = False
        self._finished_sent = False
        self._busy_said = False  # the "wait, fast-forwarding" toast was shown for this fast-forward
        self._ready = False  # True from on_mount on (is_mounted is still False there)
        self.set_reactive(SimPanel.lang, lang)
        self.set_reactive(SimPanel.playing, playing)

    # ----- composition -------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Static(id="sv-status")
        yield Static(id="sv-narration")
        yield SimDiagram(id="sv-diagram")
        yield Static(id="sv-counters")
        with Horizontal(id="sv-big"):  # presenter mode: the counters in digits a room can read
            for key in BIG_COUNTERS:
                with Vertical(classes="sv-big-box"):
                    yield Label(id=f"sv-big-label-{key}")
                    yield Digits("0", id=f"sv-big-{key}")
        with Horizontal(id="sv-sparks"):
            for key in ("throughput", "p50", "p95"):
                with Vertical(classes="sv-spark", id=f"sv-sparkbox-{key}"):
                    yield Label(id=f"sv-label-{key}")
                    yield Sparkline([], id=f"sv-spark-{key}")
        with Horizontal(id="sv-buttons"):
            for key in ("play", "step", "slower", "faster", "restart", "stop", "start", "hang",
                        "poweroff", "slow", "policy"):
                button = Button("", id=f"sv-btn-{key}", compact=True)
                button.display = key != "policy" or not self.player.scenario.direct  # no nginx, no balancing
                yield button
        yield RichLog(id="sv-log", max_lines=500, wrap=False, markup=False, auto_scroll=True)
        yield SimSummary()

    def on_mount(self) -> None:
        if being_removed(self):
            return  # closed before it finished mounting (a fast Esc or n): its parts are gone
        self._ready = True
        settings = getattr(self.app, "settings", None)
        if settings is not None:
            self.apply_settings(settings)
        app_lang = getattr(self.app, "lang", None)
        if self._follow_app_lang and isinstance(app_lang, str):
            self.lang = app_lang
            self.watch(self.app, "lang", self._app_lang_changed, init=False)
        if self._use_timer:
            self._timer = self.set_interval(FRAME_INTERVAL, self.tick, pause=not self.playing)
        self._translate()
        self.redraw(full=True)

    def _app_lang_changed(self, lang: str) -> None:
        self.lang = lang

    def apply_settings(self, settings: object) -> None:
        """Take `reduced_motion`, `colour_blind` and `presenter` from the app's settings."""
        self.reduced_motion = bool(getattr(settings, "reduced_motion", False))
        self.colorblind = bool(getattr(settings, "colour_blind", False))
        self.presenter = bool(getattr(settings, "presenter", False))

    def action_flip(self, name: str) -> None:
        """Flip reduced_motion / colorblind / presenter for this panel only."""
        setattr(self, name, not getattr(self, name))

    def on_resize(self, event: events.Resize) -> None:
        compact = event.size.width < 96 or self.app.size.height < 28
        self.set_class(compact, "-compact")
        self.set_class(event.size.height < 36, "-short")  # no room for the log next to the summary
        self.set_class(not compact and event.size.height >= TALL, "-tall")  # room: airier diagram, taller charts
        self.redraw()  # only what the new size changes (the diagram's key has the width and layout)

    # ----- the clock ----------------------------------------------------------------------
    def tick(self) -> None:
        """One frame: advance the model by speed x frame interval (if playing) and redraw."""
        if self.player.busy:
            return
        moved = self.playing and self.player.tick()
        self._after_advance(moved)

    def step(self) -> None:
        """Advance exactly one frame, even while paused."""
        if self.player.busy:
            return
        self._after_advance(self.player.tick())

    def _after_advance(self, moved: bool) -> None:
        motion = self.player.take_motion()
        if self.reduced_motion:
            self.animator.clear()
        elif moved or not self.animator.idle:
            self.animator.advance(*motion)
        if moved or not self.animator.idle or self._shown.get("diagram_glyphs"):
            self.redraw()
        if self.player.frame.finished:
            self._finish()

    def _finish(self) -> None:
        if self.playing:
            self.playing = False
        if not self._finished_sent:
            self._finished_sent = True
            self.animator.clear()
            self.redraw()
            self.query_one(SimSummary).show(self.player, self.lang)
            self.add_class("-finished")
            self.post_message(self.Finished(self))

    def watch_playing(self, playing: bool) -> None:
        if self._timer is not None:
            if playing:
                self._timer.resume()
            else:
                self._timer.pause()
        if self._ready:
            self._label_play_button()
            self.redraw()

    # ----- drawing ------------------------------------------------------------------------
    def _layout_name(self) -> str:
        if self.presenter:  # big on a projector, yet every column on a narrow screen
            return "presenter_narrow" if self.has_class("-compact") else "presenter"
        if self.has_class("-compact"):
            return "tiny" if self.size.width < TINY else "compact"
        return "roomy" if self.has_class("-tall") else "normal"

    def diagram_layout(self) -> Layout:
        """The diagram's layout; the presenter layout grows with the screen (longer links, more
        space between servers), so a projector at 200x50 shows a big diagram, not an 80-column one."""
        layout = LAYOUTS[self._layout_name()]
        if not self.presenter or layout.compact:
            return layout
        servers = max(1, len(self.player.frame.servers))
        spare_rows = self.size.height - PRESENTER_FIXED_ROWS - servers
        row_gap = max(layout.row_gap, min(PRESENTER_MAX_GAP, spare_rows // servers))
        extra = max(0, (self.content_size.width or self.app.size.width) - PRESENTER_BASE_WIDTH)
        return replace(layout, row_gap=row_gap, client_link=layout.client_link + extra // 6,
                       server_link=layout.server_link + extra // 3)

    def redraw(self, full: bool = False) -> None:
        """Update the widgets whose data changed since the last redraw (all of them if `full`)."""
        if not self._ready:
            return
        if full:
            self._shown.clear()
        frame = self.player.frame
        lang = self.lang
        self._set("sv-status", self._status_line(frame), layout=full)
        if self.player.busy:
            return  # a fast-forward worker is changing the player: only the status line now
        self._set("sv-narration", narrate(frame, self.player.serving, lang, self.player.series.rate()))
        layout = self.diagram_layout()
        diagram = self.query_one(SimDiagram)
        diagram.diagram_layout = layout
        diagram.server_count = len(frame.servers)
        animator = None if self.reduced_motion else self.animator
        glyphs_key = (tuple(map(tuple, self.animator.links)), tuple(self.animator.client),
                      tuple(self.animator.failures)) if animator else None
        self._shown["diagram_glyphs"] = bool(animator and not self.animator.idle)
        width = self.content_size.width or self.app.size.width
        key = (frame.servers, frame.rate, lang, layout, self.selected, self.colorblind, glyphs_key, width)
        if self._shown.get("diagram") != key:
            rows_changed = self._shown.get("diagram_rows") != (layout, len(frame.servers))
            self._shown["diagram"] = key
            self._shown["diagram_rows"] = (layout, len(frame.servers))
            text = render_diagram(frame, animator, lang=lang, layout=layout,
                                  palette=palette(self.colorblind), selected=self.selected, width=width)
            if rows_changed:
                diagram.content = text  # the setter also forgets the cached height
            else:
                diagram.update(text, layout=False)
        counters = frame.counters
        counts = tr(STRINGS, _direct("counters", frame), lang, ok=counters.ok, e502=counters.e502,
                    e504=counters.e504, waiting=counters.waiting, retries=counters.retries, sent=counters.sent)
        self._set("sv-counters", wrap_items(counts, self.content_size.width or width))
        if self.presenter:
            self._update_big(counters, frame.direct)
        self._update_sparks()
        self._update_log()

    def _set(self, widget_id: str, text: str, layout: bool = True) -> None:
        """Show `text` if it changed; `layout=False` for one-line widgets whose size never changes."""
        if self._shown.get(widget_id) != text:
            self._shown[widget_id] = text
            static = self.query_one(f"#{widget_id}", Static)
            if layout:
                static.content = Text(text)  # the setter also forgets the cached height
            else:
                static.update(Text(text), layout=False)

    def _status_line(self, frame: Frame) -> str:
        """State, time, speed, policy and rate, then the title (cut first when narrow); the words
        go (the short form) when the rate would not fit otherwise."""
        if self.player.busy:
            state = "status.busy"
        elif frame.finished:
            state = "status.finished"
        else:
            state = "status.playing" if self.playing else "status.paused"
        limit = f"/{number(frame.duration, self.lang)}" if math.isfinite(frame.duration) else ""
        values = dict(state=tr(STRINGS, state, self.lang), t=frame.t, limit=limit,
                      speed=number(self.player.speed, self.lang), policy=frame.policy, rate=frame.rate)
        key = _direct("status.line", frame)
        width = self.content_size.width or self.app.size.width
        if cell_len(tr(STRINGS, key, self.lang, **values, title="")) > width:
            key += "_short"
        return tr(STRINGS, key, self.lang, **values, title=self.player.title(self.lang))

    def _update_big(self, counters, direct: bool) -> None:
        values = {"ok": counters.ok, "e502": counters.e502, "e504": counters.e504, "waiting": counters.waiting}
        key = (tuple(values.values()), self.lang, direct)
        if self._shown.get("big") == key:
            return
        self._shown["big"] = key
        for name, value in values.items():
            self.query_one(f"#sv-big-{name}", Digits).update(str(value))
            label = f"big.{name}_direct" if direct and name in ("e502", "e504") else f"big.{name}"
            self.query_one(f"#sv-big-label-{name}", Label).update(tr(STRINGS, label, self.lang))

    def _update_sparks(self) -> None:
        series = self.player.series
        narrow = self.size.width < NARROW_LABELS  # three labels side by side: the short words
        key = (series.version, self.lang, narrow)
        if self._shown.get("sparks") == key:
            return
        self._shown["sparks"] = key
        lang = self.lang
        short = "_short" if narrow else ""
        values = {
            "throughput": (series.smoothed(), tr(STRINGS, "spark.throughput" + short, lang,
                                                 value=format_rate(series.rate(), lang), window=RATE_WINDOW)),
            "p50": (series.p50, tr(STRINGS, "spark.p50" + short, lang, value=format_ms(series.last("p50"), lang))),
            "p95": (series.p95, tr(STRINGS, "spark.p95" + short, lang, value=format_ms(series.last("p95"), lang))),
        }
        for name, (data, label) in values.items():
            self.query_one(f"#sv-spark-{name}", Sparkline).data = data[-SPARK_POINTS:]
            self.query_one(f"#sv-label-{name}", Label).update(label)

    def _update_log(self) -> None:
        log = self.query_one(RichLog)
        total = self.player.log_total
        if self._log_written == total:
            return
        entries = self.player.log
        new = total - self._log_written
        if new > len(entries):
            new = len(entries)
        for entry in list(entries)[len(entries) - new:]:
            log.write(format_entry(entry, self.lang))
        self._log_written = total

    def _rewrite_log(self) -> None:
        log = self.query_one(RichLog)
        log.clear()
        for entry in list(self.player.log)[-LOG_REDRAW:]:
            log.write(format_entry(entry, self.lang))
        self._log_written = self.player.log_total

    def help_text(self, key: Key) -> str:
        """The catalogue key of `key`'s F1 text: a direct scenario (no nginx) has its own words for
        what stopping, hanging, powering off and starting a server do to the clients."""
        if self.player.scenario.direct and key.text in DIRECT_EXPLAINED:
            return f"{key.text}_direct"
        return key.text

    def help_notes(self, lang: str) -> list[tuple[str, str]]:
        """F1 rows after the keys: what each column of the server table means (short heading first)."""
        return [(tr(STRINGS, f"col.{name}_short", lang), tr(STRINGS, f"col.{name}_help", lang))
                for name in ("active", "queued", "stuck", "served")]

    # ----- language, settings -------------------------------------------------------------
    def watch_lang(self) -> None:
        if self._ready:
            self._translate()
            if self.player.busy:
                self._log_stale = True  # the worker is adding to the log: reword it when it is done
            else:
                self._rewrite_log()
            self.redraw(full=True)
            if self.has_class("-finished"):
                self.query_one(SimSummary).show(self.player, self.lang)

    def _translate(self) -> None:
        """Button labels, log title and binding descriptions (footer, F1 help) in the current language."""
        lang = self.lang
        self.query_one(RichLog).border_title = tr(STRINGS, "log.title", lang)
        for key in ("step", "slower", "faster", "restart", "stop", "start", "hang", "poweroff", "slow", "policy"):
            self.query_one(f"#sv-btn-{key}", Button).label = tr(STRINGS, f"btn.{key}", lang)
        self._label_play_button()
        self.refresh_bindings()  # the key bar follows

    def _label_play_button(self) -> None:
        key = "btn.pause" if self.playing else "btn.play"
        self.query_one("#sv-btn-play", Button).label = tr(STRINGS, key, self.lang)

    def watch_reduced_motion(self, reduced: bool) -> None:
        if reduced:
            self.animator.clear()
        self.redraw()

    def watch_colorblind(self) -> None:
        self.redraw()

    def watch_presenter(self, presenter: bool) -> None:
        self.set_class(presenter, "-presenter")
        self.redraw()

    def watch_selected(self) -> None:
        self.redraw()

    # ----- actions ------------------------------------------------------------------------
    def _refuse_when_busy(self) -> bool:
        """True while a fast-forward runs; the first refused key says why (one toast, not one a key)."""
        if self.player.busy:
            if not self._busy_said:
                self._busy_said = True
                self.notify(tr(STRINGS, "msg.busy", self.lang), severity="warning")
            return True
        return False

    def action_toggle_play(self) -> None:
        if self.player.frame.finished:
            self.notify(tr(STRINGS, "msg.finished", self.lang))
            return
        self.playing = not self.playing

    def action_step(self) -> None:
        if self._refuse_when_busy():
            return
        self.playing = False
        self.step()

    def action_faster(self) -> None:
        self.player.faster()
        self.redraw()

    def action_slower(self) -> None:
        self.player.slower()
        self.redraw()

    def action_restart(self) -> None:
        if self._refuse_when_busy():
            return
        self.player.restart()
        self.animator = LinkAnimator(len(self.player.frame.servers))
        self._finished_sent = False
        self.remove_class("-finished")
        self.query_one(RichLog).clear()
        self._log_written = 0
        self.playing = True
        self.redraw(full=True)

    def action_select_server(self) -> None:
        """Bound to the digits: the key pressed picks the server (see `on_key`)."""

    def on_key(self, event: events.Key) -> None:
        if event.character and event.character in "123456789":
            self.select_server(int(event.character) - 1)
            event.stop()

    def select_server(self, index: int) -> None:
        """Make server `index` (0-based) the target of the server actions."""
        if index >= len(self.player.frame.servers):
            self.notify(tr(STRINGS, "msg.no_server", self.lang, n=index + 1), severity="warning")
            return
        self.selected = index

    def action_server_action(self, action: str) -> None:
        if self._refuse_when_busy():
            return
        if self.player.frame.finished:
            self.notify(tr(STRINGS, "msg.finished", self.lang))  # press r to restart
            return
        if self.player.server_action(self.selected, action):
            self.redraw()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """A direct scenario (clients -> one web server) has no nginx: no balancing policy to cycle,
        its p says so instead (and does not fall through to the lesson's "previous step")."""
        if action == "cycle_policy":
            return not self.player.scenario.direct
        if action == "no_policy":
            return self.player.scenario.direct
        return True

    def action_no_policy(self) -> None:
        self.notify(tr(STRINGS, "msg.no_policy", self.lang))

    def action_cycle_policy(self) -> None:
        if self._refuse_when_busy():
            return
        self.player.cycle_policy()
        self.redraw()

    def action_change_rate(self, direction: int) -> None:
        if self._refuse_when_busy():
            return
        self.player.change_rate(direction)
        self.redraw()

    def action_fast_forward(self) -> None:
        self._start_fast_forward(None)

    def action_jump(self) -> None:
        self._start_fast_forward(self.player.frame.t + 10.0)

    def _start_fast_forward(self, until: float | None) -> None:
        if self._refuse_when_busy() or self.player.frame.finished:
            return
        self.player.busy = True
        self.animator.clear()
        self.redraw()
        self._fast_forward(until)

    @work(thread=True, exclusive=True, group="sim-fast-forward")
    def _fast_forward(self, until: float | None) -> None:
        try:
            self.player.fast_forward(until)
        finally:
            self.post_message(self.FastForwarded())

    @on(FastForwarded)
    def _fast_forwarded(self, event: FastForwarded) -> None:
        event.stop()
        self.player.busy = False
        self._busy_said = False
        self.player.take_motion()
        if self._log_stale:
            self._log_stale = False
            self._rewrite_log()
        self.redraw()
        if self.player.frame.finished:
            self._finish()

    # ----- mouse --------------------------------------------------------------------------
    @on(SimDiagram.ServerClicked)
    def _server_clicked(self, event: SimDiagram.ServerClicked) -> None:
        self.select_server(event.index)

    @on(Button.Pressed)
    def _button(self, event: Button.Pressed) -> None:
        key = (event.button.id or "").removeprefix("sv-btn-")
        event.stop()
        simple = {"play": self.action_toggle_play, "step": self.action_step, "slower": self.action_slower,
                  "faster": self.action_faster, "restart": self.action_restart, "policy": self.action_cycle_policy}
        if key in simple:
            simple[key]()
        else:
            self.action_server_action(key)
        self.focus()

    # ----- for tests and embedding --------------------------------------------------------
    def advance_frames(self, frames: int) -> None:
        """Run `frames` ticks by hand (no wall clock): what the timer would do."""
        for _ in range(frames):
            self.tick()


def wrap_items(text: str, width: int) -> str:
    """Lines of at most `width` columns made of whole "label number" items (two spaces apart), so
    a number never leaves its label ("sent" lost its count at three digits on 80 columns)."""
    lines: list[str] = []
    for item in text.split("  "):
        if lines and len(lines[-1]) + 2 + len(item) <= width:
            lines[-1] += "  " + item
        else:
            lines.append(item)
    return "\n".join(lines)


def _direct(key: str, frame: Frame) -> str:
    """The catalogue key for a direct scenario (clients -> one web server): no policy, no 502/504."""
    return f"{key}_direct" if frame.direct else key

