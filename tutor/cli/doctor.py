"""`tutor doctor [--json] [--domain NAME]`: run the probes in the tutorial's order within one time
budget and print the findings. Exit 0 when nothing blocks, 1 when something does, 2 bad usage."""

from __future__ import annotations

import argparse
import json
import sys


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Add `tutor doctor` (help texts: the [cli] catalogue, keys "doctor.*")."""
    doctor = sub.add_parser("doctor")
    doctor.add_argument("--domain", metavar="NAME")
    doctor.add_argument("--json", action="store_true")


def run(args: argparse.Namespace) -> int:
    """Run `tutor doctor` with parsed args; returns the exit code."""
    from tutor.cli.check import cli_reason
    from tutor.doctor.command import diagnose
    from tutor.doctor.finding import Context
    from tutor.doctor.report import exit_code, human, to_json
    from tutor.live.hosts import HostError, parse_domain

    lang = getattr(args, "lang", "id")
    try:
        domain = parse_domain(getattr(args, "domain", None))
    except HostError as exc:
        print(f"tutor doctor: {cli_reason(exc, lang)}", file=sys.stderr)
        return 2
    ctx = Context(lang=lang, domain=domain)
    findings = diagnose(ctx)
    if args.json:
        print(json.dumps(to_json(findings, ctx.skipped), ensure_ascii=False))
    else:
        print(human(findings, ctx.skipped, lang))
    return exit_code(findings)
