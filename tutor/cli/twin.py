"""`tutor twin SCENARIO --lab`: the simulator's prediction next to the real nginx, for the same requests.

Exit codes: 0 both lanes agree within the tolerance, 1 differences were found, 2 the twin could not
run (bad input, no lab, a config the simulator cannot read): one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading

from tutor.cli.numbers import DecimalNumber
from tutor.i18n import tr
from tutor.sanitize import sanitize, terminal_text

TEXT = "twin"


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Add `tutor twin ...` (help texts: the [cli] catalogue, keys "twin.*")."""
    twin = sub.add_parser("twin")
    twin.add_argument("scenario", metavar="SCENARIO")
    twin.add_argument("--lab", action="store_true")
    twin.add_argument("--prefix", metavar="PREFIX")
    twin.add_argument("--host", action="append", default=[], metavar="ROLE=ADDR[:PORT]")
    twin.add_argument("--multipass", action="store_true")
    twin.add_argument("--nginx-conf", metavar="FILE")
    twin.add_argument("--duration", action=DecimalNumber, metavar="S")
    twin.add_argument("--json", action="store_true")
    twin.add_argument("--screen", action="store_true")


def _fail(lang: str, key: str, **values: object) -> int:
    print(f"tutor twin: {sanitize(tr(TEXT, key, lang, **values), 500, markup=False)}", file=sys.stderr)
    return 2


def run(args: argparse.Namespace) -> int:
    """Run `tutor twin` with parsed arguments; returns the exit code."""
    from tutor.lab import Lab, LabError, require_root
    from tutor.cli.check import cli_reason
    from tutor.live.hosts import HostError
    from tutor.scenarios import ScenarioOpenError, runnable
    from tutor.twin.build import TwinError
    from tutor.twin.report import difference_text, format_report, note_text
    from tutor.twin.run import LabSide, run_twin

    lang = getattr(args, "lang", "id")
    if args.lab and (args.host or args.multipass):
        return _fail(lang, "err.lab_flags")
    if not (args.lab or args.host or args.multipass):
        return _fail(lang, "err.no_machines")
    if args.prefix is not None and not args.lab:
        return _fail(lang, "err.prefix_without_lab")
    try:
        scenario = runnable(args.scenario)  # the one door to a scenario (tutor.scenarios)
    except ScenarioOpenError as exc:
        return _fail(lang, "err.scenario", why=exc.message(lang))
    if args.duration is not None and not 0 < args.duration <= scenario.duration:
        return _fail(lang, "err.duration", full=scenario.duration)
    stop = threading.Event()
    previous = signal.signal(signal.SIGINT, lambda *_: stop.set())
    try:
        if args.lab:
            require_root()
            lab = Lab.as_built(args.prefix)
            lab.require_up()
            side = LabSide(lab)
        else:
            side = _host_side(args, lang)
        if args.screen:
            return _on_screen(scenario, side, args, lang)
        duration = args.duration or scenario.duration
        proxy = "{}:{}".format(*side.proxy)
        result = run_twin(scenario, side, duration=args.duration, stop=stop, on_start=lambda _start, rows, _s: print(
            tr(TEXT, "stop_key", lang, requests=len(rows), proxy=proxy, seconds=duration), file=sys.stderr,
            flush=True))
    except LabError as exc:
        return _fail(lang, "err.lab", why=exc.message(lang))
    except HostError as exc:
        return _fail(lang, "err.lab", why=cli_reason(exc, lang))
    except TwinError as exc:
        print(f"tutor twin: {sanitize(exc.message(lang), 500, markup=False)}", file=sys.stderr)
        return 2
    finally:
        signal.signal(signal.SIGINT, previous)
    if args.json:
        for diff in result["differences"]:
            diff["text"] = difference_text(diff, lang)
        for note in result["left_out"]:
            note["text"] = note_text(note, lang)
        print(json.dumps(result, ensure_ascii=False))
    else:
        print(terminal_text(format_report(result, lang)))
    return 1 if result["differences"] else 0


def _on_screen(scenario, side, args: argparse.Namespace, lang: str) -> int:
    """The run on the Textual screen (tutor.twin.screen); the exit code as without it."""
    from tutor.twin.run import run_twin
    from tutor.twin.screen import TwinApp

    def run(stop, on_start, on_line, on_event):
        return run_twin(scenario, side, duration=args.duration, stop=stop, on_line=on_line, on_event=on_event,
                        on_start=on_start)

    title = scenario.title.get(lang) or scenario.name
    app = TwinApp(run, lang, f"tutor twin · {scenario.name} · {title}")
    app.run()
    if app.result is None:
        return _fail(lang, "err.lab", why=app.error or "-")
    return 1 if app.result["differences"] else 0


def _host_side(args: argparse.Namespace, lang: str):
    """The learner's VMs from --host / --multipass (asking for roles when unsure, as `tutor check`)."""
    from tutor.cli.check import add_multipass_machines
    from tutor.live.hosts import machines_from_specs
    from tutor.live.multipass import read_multipass
    from tutor.twin.hosts import HostSide

    machines = machines_from_specs(list(args.host))
    if args.multipass:
        add_multipass_machines(machines, read_multipass(), input if sys.stdin.isatty() else None, lang)

    def tell(key: str, **values: object) -> None:
        print(sanitize(tr(TEXT, key, lang, **values), 300, markup=False), file=sys.stderr, flush=True)

    return HostSide(machines, args.nginx_conf, tell)
