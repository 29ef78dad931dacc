"""`tutor sim`: run a scenario headless and print a report (DESIGN.md sections 2 and 3).

Never imports Textual: only the simulator and the string catalogue.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from collections import Counter

from tutor.cli.scenario_list import add_list_option, print_list
from tutor.i18n import number, tr
from tutor.sanitize import sanitize, terminal_text

STRINGS = "sim_report"
"""The catalogue section of the report (tutor/locale/*.toml)."""

BUSY_WARNING = 0.9


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Add `tutor sim` (help texts: the [cli] catalogue, keys "sim.*")."""
    simp = sub.add_parser("sim")
    simp.add_argument("scenario", nargs="?", metavar="SCENARIO")
    simp.add_argument("--nginx-conf", metavar="FILE")
    simp.add_argument("--seed", type=int, metavar="N")
    simp.add_argument("--json", action="store_true")
    simp.add_argument("--trace", metavar="FILE")
    add_list_option(simp)


def run(args: argparse.Namespace) -> int:
    """Run `tutor sim` with parsed arguments (scenario, nginx_conf, seed, json, trace, list, lang)."""
    lang = getattr(args, "lang", "id")
    if getattr(args, "list", False):
        return print_list(lang)
    from sim import ScenarioError, Simulation
    from tutor.scenarios import ScenarioOpenError, error_text, open_scenario

    try:
        opened = open_scenario(args.scenario, args.nginx_conf)
    except ScenarioOpenError as exc:
        print(f"tutor sim: {exc.message(lang)}", file=sys.stderr)
        return 2
    scenario, setup, notes = opened.scenario, opened.setup, opened.notes
    if args.seed is not None:
        scenario = dataclasses.replace(scenario, seed=args.seed)
    simulation = Simulation(scenario, events=not args.json, records=bool(args.trace))
    try:
        simulation.run_to_end()
    except ScenarioError as exc:  # over the request cap (a closed loop of ~0 s)
        print(f"tutor sim: {error_text(exc, lang)}", file=sys.stderr)
        return 2
    result = simulation.result()
    if args.trace:
        try:
            result.write_trace(args.trace)
        except OSError as exc:
            print(sanitize(f"{exc.filename or args.trace}: {exc.strerror or exc}", 500, markup=False), file=sys.stderr)
            return 2
    if args.json:
        print(json.dumps(result.to_json_dict(), ensure_ascii=False))
        return 0
    setup_line = ""
    if setup is not None:
        group = tr(STRINGS, "group", lang, name=setup.upstream) if setup.upstream else ""
        setup_line = tr(STRINGS, "nginx_conf", lang, where=f"{setup.file}:{setup.line}", group=group)
    print(terminal_text(format_report(scenario, result.to_json_dict(), simulation.drain_events(), notes, lang,
                                      setup_line)))
    return 0


def format_report(scenario, report: dict, events, notes, lang: str, setup_line: str = "") -> str:
    """The report for people: title, what happened, a summary table, servers, warnings."""
    title = scenario.title.get(lang) or next(iter(scenario.title.values()), scenario.name)
    lines = [tr(STRINGS, "title", lang, title=title, name=report["scenario"], seed=report["seed"],
                time=report["sim_time"])]
    if setup_line:
        lines.append(setup_line)
    lines += ["", _story(report, scenario.direct, lang), ""]
    requests, latency = report["requests"], report["latency"]
    t = lambda key: tr(STRINGS, key, lang)  # noqa: E731 - a local shorthand
    n = lambda value: number(value, lang, ".3f")  # noqa: E731
    rows = [
        (t("requests"), f"{t('sent')} {requests['sent']}   {t('ok')} {requests['ok']}   "
                        f"{t('failed')} {requests['failed']}   {t('dropped')} {requests['dropped']}"),
        (t("status"), "   ".join(_statuses(report, scenario.direct, lang)) or "-"),
        (t("latency"), f"{t('mean')} {n(latency['mean'])}   p50 {n(latency['p50'])}   p95 {n(latency['p95'])}"
                       f"   p99 {n(latency['p99'])}   {t('max')} {n(latency['max'])}"),
        (t("wait"), f"{t('mean')} {n(report['wait']['mean'])}"),
    ]
    if not scenario.direct:  # no proxy, nobody retries
        rows.append((t("retries"), str(report["retries"])))
    width = max(len(label) for label, _ in rows)
    lines += [f"{label:<{width}}  {value}" for label, value in rows]
    lines += ["", *_server_table(scenario, report, lang)]
    warnings = _warnings(scenario, report, events, notes, lang)
    if warnings:
        lines += ["", t("warnings"), *(f"- {warning}" for warning in warnings)]
    return "\n".join(lines)


def _statuses(report: dict, direct: bool, lang: str, errors_only: bool = False) -> list[str]:
    """"502 x48"; a direct scenario's report (no proxy) has the client's own view of the requests
    that got no answer in "failures": "refused x48", "timed out x3" (sim/result.py `client_view`)."""
    from sim.result import DIRECT_FAILURES

    out = [f"{code} x{count}" for code, count in report["status"].items() if not errors_only or int(code) >= 500]
    if direct:
        words = {name: tr(STRINGS, "direct_" + code, lang) for code, name in DIRECT_FAILURES.items()}
        out += [f"{words[name]} x{count}" for name, count in report.get("failures", {}).items()]
    return out


def _story(report: dict, direct: bool, lang: str) -> str:
    requests = report["requests"]
    if requests["failed"] == 0:
        text = tr(STRINGS, "all_ok", lang, sent=requests["sent"])
        if report["retries"] and not direct:
            text += " " + tr(STRINGS, "retried", lang, retries=report["retries"])
    else:
        statuses = ", ".join(_statuses(report, direct, lang, errors_only=True))
        text = tr(STRINGS, "some_failed", lang, failed=requests["failed"], sent=requests["sent"], statuses=statuses)
        if report["retries"] and not direct:
            text += " " + tr(STRINGS, "retried_failed", lang, retries=report["retries"])
    if report["latency"]["max"] >= 1.0:
        text += " " + tr(STRINGS, "slow", lang, mean=report["latency"]["mean"], max=report["latency"]["max"])
    return text


def _server_table(scenario, report: dict, lang: str) -> list[str]:
    header = [tr(STRINGS, key, lang) for key in ("server", "address", "attempts", "col_ok", "col_failed", "utilization")]
    body = []
    for server in scenario.servers:
        numbers = report["servers"].get(server.name)
        if numbers is None:
            continue
        body.append([server.name, server.address, str(numbers["attempts"]), str(numbers["ok"]),
                     str(numbers["failed"]), f"{numbers['utilization']:.0%}"])
    widths = [max(len(row[i]) for row in [header, *body]) for i in range(len(header))]
    out = []
    for row in [header, *body]:
        cells = [row[0].ljust(widths[0]), row[1].ljust(widths[1])]
        cells += [cell.rjust(width) for cell, width in zip(row[2:], widths[2:])]
        out.append("  ".join(cells).rstrip())
    return out


def _warnings(scenario, report: dict, events, notes, lang: str) -> list[str]:
    from sim.events import SERVER_DISABLED

    out = [tr(STRINGS, note.code, lang, server=note.server, address=note.address, action=note.action, at=note.at)
           for note in notes]
    disabled = Counter(event.server for event in events if event.kind == SERVER_DISABLED)
    for server in scenario.servers:
        if disabled[server.name]:
            out.append(tr(STRINGS, "disabled", lang, server=server.name, count=disabled[server.name],
                          fail_timeout=server.fail_timeout))
    for server in scenario.servers:
        numbers = report["servers"].get(server.name, {})
        if numbers.get("refused"):
            out.append(tr(STRINGS, "refused", lang, server=server.name, count=numbers["refused"]))
        if numbers.get("timeouts"):
            out.append(tr(STRINGS, "timeouts", lang, server=server.name, count=numbers["timeouts"]))
        if numbers.get("unreachable"):
            out.append(tr(STRINGS, "unreachable", lang, server=server.name, count=numbers["unreachable"]))
        if numbers.get("utilization", 0.0) >= BUSY_WARNING:
            out.append(tr(STRINGS, "busy", lang, server=server.name, share=numbers["utilization"]))
    if len(scenario.servers) == 1 and report["requests"]["failed"]:
        out.append(tr(STRINGS, "single_direct" if scenario.direct else "single", lang))
    if report.get("no_live_upstreams"):
        out.append(tr(STRINGS, "no_live", lang, count=report["no_live_upstreams"]))
    return out
