"""The live checks of one lesson step: a row per check, run when the learner asks (`k` or the
"Check now" button), never by themselves.

A check sends requests through the learner's proxy: run on its own (on opening a step, or
polling) it would hide the very failover the step asks the learner to watch. The lesson screen
calls `activate()` when the step becomes visible and `deactivate()` when it is not (another step,
another screen, the app suspended): a run in progress is then cancelled. Checks run in an async
worker (exclusive per panel), so the UI never waits for a probe. Everything a server sent is shown
as plain text (rich Text, never markup): messages may contain `[`.
"""

from __future__ import annotations

import asyncio

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Static
from textual.worker import WorkType

from tutor.i18n import tr
from tutor.course import APP_ROLES
from tutor.live.catalog import DEFAULT_TIMEOUT, NEVER_TRIED_SCENARIO
from tutor.live.result import CheckResult
from tutor.live.saved import missing_roles, saved_machines, used_by_lesson
from tutor.strings import STRINGS
from tutor.widgets.lifecycle import being_removed
from tutor.widgets.typed_app import TutorAppProperty

# Checks that look at the proxy's nginx: their panel offers to read the live nginx config.
NGINX_CHECKS = frozenset({"nginx-running", "proxy-pass", "lb-distributes", "lb-failover"})


def scenario_of(result: CheckResult) -> str | None:
    """The simulator scenario showing what `result` saw (a failure, or a failover nginx never tested)."""
    if result.ok:
        return NEVER_TRIED_SCENARIO if result.details.get("never_tried") else None
    return result.scenario


class CheckPanel(Vertical):
    """The checks of step `step_id` of lesson `lesson_id`, with messages in `lang`."""

    DEFAULT_CSS = """
    CheckPanel { height: auto; border: round $primary 60%; padding: 0 1; margin: 1 0; }
    CheckPanel .check-title { color: $text-muted; }
    CheckPanel .check-head { text-style: bold; }
    CheckPanel .check-head.-passed { color: $text-success; }
    CheckPanel .check-head.-failed { color: $text-error; }
    CheckPanel .check-head.-running { color: $text-warning; }
    CheckPanel .check-head.-blocked { color: $text-muted; }
    CheckPanel .check-body { padding-left: 2; }
    CheckPanel .check-body.-empty { display: none; }
    CheckPanel .check-note { color: $text-warning; }
    CheckPanel .check-note.-empty { display: none; }
    CheckPanel .check-buttons { height: auto; margin-top: 1; }
    CheckPanel .check-buttons.-more { margin-top: 0; }
    """

    TIMEOUT = DEFAULT_TIMEOUT  # every wait of a probe
    app = TutorAppProperty()

    def __init__(self, lesson_id: str, step_id: str, checks: tuple[str, ...], lang: str,
                 lesson_roles: frozenset[str] = frozenset(), **kwargs) -> None:
        super().__init__(**kwargs)
        self.lesson_id = lesson_id
        self.lesson_roles = lesson_roles  # the machines the lesson uses: other app VMs are not checked
        self.step_id = step_id
        self.checks = tuple(checks)
        self.lang = lang
        self.results: dict[str, CheckResult] = {}
        self.running: set[str] = set()
        self.blocked: dict[str, str] = {}  # check -> roles it still needs
        self.problem: str | None = None  # why nothing could run (as shown)
        self.visible = False
        self.show_evidence = False
        self.stopped: str | None = None  # lb-failover: the app the learner stopped (None: whichever refuses)
        self.runs = 0  # finished runs, for tests
        self._composed = False  # every row and button is mounted (set in on_mount)

    def t(self, key: str, **values: object) -> str:
        return tr(STRINGS, key, self.lang, **values)

    # Layout
    def compose(self) -> ComposeResult:
        yield Static(classes="check-title", id="check-title")
        for check in self.checks:
            yield Static(classes="check-head", id=f"head-{check}")
            yield Static(classes="check-body -empty", id=f"body-{check}")
        yield Static(classes="check-note -empty", id="check-note")
        # two rows, so that every button fits at 80 columns: the ones always there, then the ones
        # a result brings (the simulator of a failure, lb-failover's stopped app)
        with Horizontal(classes="check-buttons button-row"):
            yield Button(self.t("check.btn_run"), id="check-run", compact=True)
            if NGINX_CHECKS & set(self.checks):
                yield Button(self.t("check.btn_nginx"), id="check-nginx", compact=True)
            yield Button(self.t("check.btn_machines"), id="check-machines", compact=True)
        with Horizontal(classes="check-buttons -more button-row"):
            yield Button("", id="check-sim", compact=True)
            if "lb-failover" in self.checks:
                yield Button("", id="check-stopped", compact=True)

    def on_mount(self) -> None:
        if being_removed(self):
            return  # the step was left (or reset) before this panel finished mounting
        self._composed = True  # compose() mounted its children, the button row's included
        if getattr(self.parent, "live", False):  # the step view was shown before this panel mounted
            self.activate()
        else:
            self.show()

    @property
    def configured(self) -> bool:
        return bool(self.app.settings.hosts)

    @property
    def scenario(self) -> str | None:
        """The scenario of the first check (in the step's order) whose last outcome the simulator shows.

        A re-run in progress keeps the last outcome, so the link does not blink away every few seconds.
        """
        for check in self.checks:
            result = self.results.get(check)
            if result is not None and scenario_of(result):
                return scenario_of(result)
        return None

    @property
    def all_passed(self) -> bool:
        return bool(self.checks) and all(self.results.get(c) is not None and self.results[c].ok for c in self.checks)

    # Drawing
    def show(self) -> None:
        """Redraw every row, the note and the buttons from the current state."""
        if not self._composed or being_removed(self):
            return  # rows or buttons still mounting (a fast n/p shows a view mid-build): on_mount shows it
        self.query_one("#check-title", Static).update(Text(self._title()))
        for check in self.checks:
            state, word, body = self._row(check)
            head = self.query_one(f"#head-{check}", Static)
            head.set_classes(f"check-head -{state}")
            head.update(Text(f"{word}  {check}"))
            body_widget = self.query_one(f"#body-{check}", Static)
            body_widget.set_class(not body, "-empty")
            body_widget.update(Text(body))
        note = self.query_one("#check-note", Static)
        note.set_class(not self.problem, "-empty")
        note.update(Text(self.problem or ""))
        sim = self.query_one("#check-sim", Button)
        scenario = self.scenario
        sim.display = scenario is not None
        if scenario:
            sim.label = self.t("check.btn_sim", scenario=scenario)
        for stopped in self.query("#check-stopped").results(Button):
            stopped.label = self.t("check.btn_stopped", app=self.stopped or self.t("check.stopped_auto"))

    def _title(self) -> str:
        if not self.configured:
            return self.t("check.title_none")
        names = " · ".join(f"{role} {addr}" for role, addr in self.app.settings.hosts.items()
                           if used_by_lesson(role, self.lesson_roles))
        return self.t("check.title", machines=names)

    def _row(self, check: str) -> tuple[str, str, str]:
        """(state class, symbol + word, message lines) of one check."""
        result = self.results.get(check)
        if check in self.running:
            return "running", "… " + self.t("check.running"), self._body(result) if result else ""
        if check in self.blocked:
            return "blocked", "– " + self.t("check.blocked"), self.t("check.needs", roles=self.blocked[check])
        if result is None:
            return "not-run", "○ " + self.t("check.not_run"), ""
        if result.ok:
            return "passed", "✓ " + self.t("check.passed"), self._body(result)
        return "failed", "✗ " + self.t("check.failed"), self._body(result)  # codes are for --json

    def _body(self, result: CheckResult) -> str:
        lines = [result.message]
        evidence = result.evidence or {}
        if self.show_evidence and evidence.get("url"):
            status = evidence.get("status") or "-"
            lines.append(self.t("check.evidence", url=evidence["url"], status=status, ms=evidence.get("elapsed_ms", 0)))
        return "\n".join(lines)

    # Showing and hiding
    def activate(self) -> None:
        """The step is visible (nothing runs: checks wait for the learner)."""
        self.visible = True
        self.show()

    def deactivate(self) -> None:
        """The step is hidden: stop a run in progress (no probe is sent while hidden)."""
        self.visible = False
        self.workers.cancel_node(self)
        if self.running:
            self.running.clear()
            self.show()

    # Running
    def run_now(self) -> None:
        """The learner asked (k or the button): run every check once, now."""
        work: WorkType[None] = self._run  # named: mypy cannot infer WorkType's result from a method
        self.run_worker(work, exclusive=True, group="live-checks", exit_on_error=False)

    async def _run(self) -> None:
        from tutor.live.checks import Options
        from tutor.live.runner import run_checks

        machines, problem = saved_machines(self.app.settings, self.checks, self.app.lang, self.lesson_roles)
        if machines is not None:
            has_proxy, apps = machines.proxy is not None, len(machines.apps)
            self.blocked = {c: roles for c in self.checks if (roles := missing_roles(c, has_proxy, apps))}
        if problem is not None:
            self._give_up(self.t(problem[0], **problem[1]))
            return
        assert machines is not None  # saved_machines gives a problem whenever it gives no machines
        runnable = [check for check in self.checks if check not in self.blocked]
        stopped = self.stopped if self.stopped in {app.role for app in machines.apps} else None
        self.problem = None
        self.running = set(runnable)
        self.show()
        try:
            results = await run_checks(runnable, machines, lang=self.lang, timeout=self.TIMEOUT,
                                       options=Options(stopped=stopped), on_result=self._got)
        except asyncio.CancelledError:
            self.running.clear()
            raise
        except Exception as exc:  # a check that breaks must not break the app: say it in one line
            self.running.clear()
            self._give_up(self.t("check.crashed", reason=f"{type(exc).__name__}: {exc}"))
            return
        self.running.clear()
        self._finished(results)

    def _got(self, result: CheckResult) -> None:
        self.results[result.check] = result
        self.running.discard(result.check)
        self.show()

    def _give_up(self, problem: str) -> None:
        """Nothing could run: say why; a new run waits for the learner (k)."""
        self.problem = problem
        self.running.clear()
        self.show()

    def _finished(self, results: list[CheckResult]) -> None:
        """A run the learner asked for ended: the class hears of it, and every check passing marks
        the step done."""
        self.runs += 1
        self.app.classroom.checks_ran(results)
        self.show()
        if self.all_passed and not self.blocked:
            self._mark_done()

    def _mark_done(self) -> None:
        from tutor.progress import DONE

        progress = self.app.progress
        if progress.state(self.lesson_id, self.step_id) != DONE:
            progress.mark_done(self.lesson_id, self.step_id)
            self.app.notify(self.t("check.step_done"), timeout=4)

    # Learner's choices
    def toggle_evidence(self) -> bool:
        self.show_evidence = not self.show_evidence
        self.show()
        return self.show_evidence

    def cycle_stopped(self) -> str | None:
        """lb-failover: auto -> app1 -> app2 -> app3 (those configured) -> auto."""
        choices = [None, *[role for role in APP_ROLES if role in self.app.settings.hosts]]
        index = choices.index(self.stopped) if self.stopped in choices else 0
        self.stopped = choices[(index + 1) % len(choices)]
        self.show()
        return self.stopped

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        screen = self.screen
        action = {"check-run": "check", "check-sim": "check_scenario", "check-stopped": "stopped_app",
                  "check-nginx": "nginx_config", "check-machines": "machines"}.get(event.button.id or "")
        if action is not None:
            self.app.call_later(self.app.run_action, action, screen)
