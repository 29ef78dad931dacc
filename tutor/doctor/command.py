"""`tutor doctor [--json] [--domain NAME]`: run the probes in the tutorial's order within one time
budget and print the findings. Exit 0 when nothing blocks, 1 when something does, 2 bad usage."""

from __future__ import annotations

import argparse
import json
import sys

from tutor.doctor import hostsfile, inside, laptop, network, vms
from tutor.doctor.finding import Context, Finding
from tutor.doctor.report import exit_code, human, to_json
from tutor.live.hosts import HostError, parse_domain


def diagnose(ctx: Context) -> list[Finding]:
    """Every probe, in the order the tutorial needs them."""
    seen = vms.Seen()
    findings = laptop.probe(ctx)
    findings += vms.probe(ctx, seen)
    if seen.usable:
        findings += network.probe(ctx, seen)
        findings += inside.probe(ctx, seen)
    findings += hostsfile.probe(ctx, seen)
    return findings


def run_doctor(args: argparse.Namespace) -> int:
    lang = getattr(args, "lang", "id")
    try:
        domain = parse_domain(getattr(args, "domain", None))
    except HostError as exc:
        from tutor.live.cli import cli_reason

        print(f"tutor doctor: {cli_reason(exc, lang)}", file=sys.stderr)
        return 2
    ctx = Context(lang=lang, domain=domain)
    findings = diagnose(ctx)
    if args.json:
        print(json.dumps(to_json(findings, ctx.skipped), ensure_ascii=False))
    else:
        print(human(findings, ctx.skipped, lang))
    return exit_code(findings)
