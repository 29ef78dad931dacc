"""`tutor check`: run live checks headless and print a table, or JSON with `--json`.

Exit codes: 0 every check passed, 1 a check failed, 2 bad input (one line on stderr).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import sys
import textwrap
from collections.abc import Callable
from typing import TYPE_CHECKING

from tutor.cli.numbers import DecimalNumber
from tutor.course import ROLES
from tutor.i18n import tr
from tutor.live.catalog import DEFAULT_TIMEOUT, cannot_run, default_checks
from tutor.live.hosts import HostError, Machines, machines_from_settings, machines_from_specs
from tutor.live.multipass import (VM, RoleMatch, address_note, machine_from_vm, match_roles, parse_role_answer, read_multipass,
                                  with_addresses)
from tutor.live.result import CheckResult
from tutor.sanitize import sanitize, terminal_text

if TYPE_CHECKING:
    from tutor.live.checks import Options

MAX_TIMEOUT = 60.0
ASK_ATTEMPTS = 3

TEXT = "check_cli"
"""The catalogue section of the table and questions (tutor/locale/*.toml)."""


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Add `tutor check` (help texts: the [cli] catalogue, keys "check.*")."""
    check = sub.add_parser("check")
    check.add_argument("checks", nargs="*", metavar="CHECK_ID")
    check.add_argument("--host", action="append", default=[], metavar="ROLE=ADDR[:PORT]")
    check.add_argument("--multipass", action="store_true")
    check.add_argument("--lab", action="store_true")
    check.add_argument("--prefix", metavar="PREFIX")
    check.add_argument("--domain", metavar="NAME")
    check.add_argument("--timeout", action=DecimalNumber, default=DEFAULT_TIMEOUT, metavar="S")
    check.add_argument("--json", action="store_true")
    check.add_argument("--weight", action="append", default=[], metavar="ROLE=N")
    check.add_argument("--stopped", metavar="ROLE")


def run(args: argparse.Namespace) -> int:
    """Run `tutor check` with parsed args; returns the exit code."""
    lang = getattr(args, "lang", "id")
    if getattr(args, "lab", False):
        return run_check_in_lab(args)
    if getattr(args, "prefix", None) is not None:  # an empty --prefix too: it names no lab
        print(f"tutor check: {tr(TEXT, 'prefix_without_lab', lang)}", file=sys.stderr)
        return 2
    try:
        machines, checks = prepare(args)
        options = check_options(args, machines)
    except HostError as exc:
        print(sanitize(f"tutor check: {cli_reason(exc, lang)}", 500, markup=False), file=sys.stderr)
        return 2
    from tutor.live.runner import run_checks

    results = asyncio.run(run_checks(checks, machines, lang=lang, timeout=args.timeout, options=options))
    if args.json:
        print(json.dumps({"results": [result.to_json() for result in results]}, ensure_ascii=False))
    else:
        print(terminal_text(tr(TEXT, "machines", lang, list=describe_machines(machines), domain=machines.domain)))
        print(terminal_text(format_table(results, lang)))
    return 0 if all(result.ok for result in results) else 1


def run_check_in_lab(args: argparse.Namespace) -> int:
    """`tutor check --lab`: the same checks, run from the lab's laptop against the lab's machines."""
    import subprocess

    from tutor.lab import Lab, LabError, require_root

    lang = getattr(args, "lang", "id")
    if args.host or args.multipass:
        print(f"tutor check: {tr(TEXT, 'lab_flags', lang)}", file=sys.stderr)
        return 2
    forward = [*args.checks, "--timeout", f"{args.timeout:g}", "--lang", lang]
    forward += ["--domain", args.domain] if args.domain else []
    forward += [word for spec in args.weight for word in ("--weight", spec)]
    forward += ["--stopped", args.stopped] if args.stopped else []
    forward += ["--json"] if args.json else []
    try:
        lab = Lab(args.prefix)
        if not lab.inside("laptop"):  # in the lab's laptop (`tutor lab shell laptop`) no root is needed
            require_root()
            lab.require_up()
        return subprocess.call(lab.check_argv(forward))
    except LabError as exc:
        print(f"tutor check: {exc.message(lang)}", file=sys.stderr)
        return 2


def saved_in_app(domain: str | None) -> Machines | None:
    """The machines saved on the app's machines screen (m), when there are any."""
    from tutor.paths import user_data_dir
    from tutor.settings import Settings

    settings, _backup = Settings.load(user_data_dir())
    return machines_from_settings(settings, domain) if settings.hosts else None


def prepare(args: argparse.Namespace, ask: Callable[[str], str] | None = None) -> tuple[Machines, list[str]]:
    """The machines and check ids to run, from args; HostError with a one-line reason if unusable."""
    timeout = args.timeout
    if not 0 < timeout <= MAX_TIMEOUT:
        raise HostError("bad_timeout", timeout=timeout, max=MAX_TIMEOUT)
    machines = machines_from_specs(list(args.host or []), args.domain)
    if not args.host and not args.multipass:
        machines = saved_in_app(args.domain) or machines
    if args.multipass:
        if ask is None and sys.stdin.isatty():
            ask = input
        lang = getattr(args, "lang", "id")
        vms = with_addresses(read_multipass())
        for vm in vms:
            note = address_note(vm, lang)
            if note:
                print(sanitize(f"tutor check: {note}", 600, markup=False), file=sys.stderr)
        add_multipass_machines(machines, vms, ask, lang)
    if not machines.lab:
        from tutor.live.lab_machines import inside_lab

        machines.lab = inside_lab()  # `tutor check --lab`, or typed in `sudo tutor lab shell laptop`
    if not machines.by_role:
        raise HostError("no_machines", roles=", ".join(ROLES))
    checks = list(args.checks) or default_checks(machines.proxy is not None, len(machines.apps))
    if not checks:
        raise HostError("no_checks")
    for check in checks:
        reason = cannot_run(check, machines.proxy is not None, len(machines.apps))
        if reason:
            raise HostError(reason.code, **reason.values)
    return machines, checks


MAX_WEIGHT = 1_000_000
"""nginx's `weight=` is a whole number; a million is far beyond any real upstream."""


def check_options(args: argparse.Namespace, machines: Machines) -> Options:
    """The lb-distributes weights (`--weight ROLE=N`) and the lb-failover app (`--stopped ROLE`)."""
    from tutor.live.checks import Options

    app_roles = {app.role for app in machines.apps}
    weights: dict[str, float] = {}
    for spec in getattr(args, "weight", None) or []:
        role, _, value = spec.partition("=")
        if role not in app_roles:
            raise HostError("weight_not_app", spec=spec, role=role)
        try:
            weights[role] = float(value)
        except ValueError:
            weights[role] = 0.0
        if not 0 < weights[role] <= MAX_WEIGHT:  # also refuses nan and inf
            raise HostError("weight_value", spec=spec, role=role, max=f"{MAX_WEIGHT:,}")
    stopped = getattr(args, "stopped", None)
    if stopped is not None and stopped not in app_roles:
        raise HostError("stopped_not_app", stopped=stopped)
    return Options(weights=weights or None, stopped=stopped)


def add_multipass_machines(machines: Machines, vms: list[VM], ask: Callable[[str], str] | None,
                           lang: str) -> None:
    """Give roles not set by --host to the VMs multipass lists, asking (via `ask`) when unsure.
    A running VM without an address the laptop can reach (VirtualBox NAT only) gets no role:
    `address_note` has said why."""
    taken = {machine.host for machine in machines.by_role.values() if machine.host is not None}
    vms = [vm for vm in vms if not (vm.running and vm.ip is None)]
    match = match_roles(vms, taken_roles=set(machines.by_role), taken_addresses=taken)
    for role, vm in match.roles.items():
        machines.by_role[role] = machine_from_vm(role, vm)
    if not match.unsure:
        return
    if ask is None:
        raise unsure_error(vms, match)
    for vm in match.unsure:
        free = [role for role in ROLES if role not in machines.by_role]
        if not free:
            break
        for role in _ask_roles(vm, free, ask, lang):
            machines.by_role[role] = machine_from_vm(role, vm)


def _ask_roles(vm: VM, free: list[str], ask: Callable[[str], str], lang: str) -> list[str]:
    prompt = tr(TEXT, "ask", lang, vm=vm.describe(), roles=", ".join(free))
    for _ in range(ASK_ATTEMPTS):
        try:
            answer = ask(prompt)
        except EOFError:
            raise HostError("no_role_answer", vm=vm.name) from None
        try:
            return parse_role_answer(answer, free)
        except HostError as exc:
            print(sanitize(cli_reason(exc, lang), 500, markup=False), file=sys.stderr)
    address = vm.ip or "ADDR"
    raise HostError("no_usable_role", vm=vm.name, address=address)


def unsure_error(vms: list[VM], match: RoleMatch) -> HostError:
    """One line: the VMs with the roles found, and the --host to add for the unclear ones."""
    role_of = {vm.name: role for role, vm in match.roles.items()}
    listing = ", ".join(f"{vm.describe()} -> {role_of.get(vm.name, '?')}" for vm in vms)
    unclear = match.unsure[0]
    missing = "proxy" if "proxy" not in match.roles else "app1"
    names = ", ".join(vm.name for vm in match.unsure)
    example = f"{missing}={unclear.ip or 'ADDR'}"
    return HostError("unsure_roles", vms=names, listing=listing, example=example)


def describe_machines(machines: Machines) -> str:
    return ", ".join(f"{role}={machine.address if machine.host else machine.state}"
                     + (f" ({machine.vm})" if machine.vm and machine.vm != role else "")
                     for role, machine in machines.by_role.items())


def format_table(results: list[CheckResult], lang: str, width: int | None = None) -> str:
    """A plain-text table: check, ok/FAIL (with the code), message wrapped to the terminal."""
    width = width or shutil.get_terminal_size((100, 24)).columns
    statuses = [tr(TEXT, "ok", lang) if r.ok else f"{tr(TEXT, 'fail', lang)} {r.code}" for r in results]
    check_w = max([len(tr(TEXT, "head.check", lang))] + [len(r.check) for r in results])
    status_w = max([len(tr(TEXT, "head.result", lang))] + [len(s) for s in statuses])
    message_w = max(30, width - check_w - status_w - 4)
    lines = [f"{tr(TEXT, 'head.check', lang):<{check_w}}  {tr(TEXT, 'head.result', lang):<{status_w}}  "
             f"{tr(TEXT, 'head.message', lang)}"]
    for result, status in zip(results, statuses):
        wrapped = textwrap.wrap(result.message, message_w) or [""]
        lines.append(f"{result.check:<{check_w}}  {status:<{status_w}}  {wrapped[0]}")
        lines.extend(f"{'':<{check_w}}  {'':<{status_w}}  {more}" for more in wrapped[1:])
    return "\n".join(lines)


def cli_reason(error: HostError, lang: str) -> str:
    """A HostError's reason for the command line in `lang`: the CLI's wording (it names --host)
    when the catalogue has one, else the app's."""
    return error.text(lang)
