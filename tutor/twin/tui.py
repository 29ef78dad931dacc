"""The twin from the app: Ctrl+P "Twin" in `tutor play` and on a lesson step with a scenario, once the
learner's machines are saved (m). The lab's machines are driven by the lab's controls when this tutor
runs as root; the learner's VMs are told what to do, on screen, as `tutor twin --host` tells them.
"""

from __future__ import annotations

import os

from tutor.i18n import tr

TEXT = "twin"  # the section of tutor/locale/<lang>.toml


def can_open(app) -> bool:
    """Whether the learner's machines are saved (the twin needs the real proxy)."""
    return bool(getattr(app.settings, "hosts", None))


def open_twin(app, scenario) -> None:
    """Push the twin screen for `scenario` (a shipped name or a `sim.Scenario`) on the saved machines."""
    from tutor.live.hosts import HostError, machines_from_settings
    from tutor.live.lab_machines import saved_lab
    from tutor.scenarios import ScenarioOpenError, runnable
    from tutor.twin.build import TwinError
    from tutor.twin.hosts import HostSide
    from tutor.twin.run import LabSide, Side, run_twin
    from tutor.twin.screen import TwinScreen

    lang = app.lang
    try:
        scenario = runnable(scenario)
        machines = machines_from_settings(app.settings)
    except ScenarioOpenError as exc:
        app.notify(exc.message(lang), severity="error")
        return
    except HostError:
        app.notify(tr(TEXT, "tui.no_machines", lang), severity="warning")
        return
    side: Side
    if saved_lab(app.settings) and os.geteuid() == 0:
        from tutor.lab.lab import Lab

        side = LabSide(Lab.as_built())
    else:
        def tell(key: str, **values: object) -> None:  # called from the run's thread
            app.call_from_thread(app.notify, tr(TEXT, key, lang, **values), timeout=8)

        try:
            side = HostSide(machines, None, tell)
        except TwinError as exc:   # no proxy among the saved machines, or it is not running
            app.notify(exc.message(lang), severity="warning")
            return

    def run(stop, on_start, on_line, on_event):
        return run_twin(scenario, side, stop=stop, on_line=on_line, on_event=on_event, on_start=on_start)

    title = scenario.title.get(lang) or scenario.name
    app.push_screen(TwinScreen(run, lang, f"tutor twin · {scenario.name} · {title}"))
