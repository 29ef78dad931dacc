"""The doctor's probes in the tutorial's order, within one time budget (the command: tutor/cli/doctor.py)."""

from __future__ import annotations

from tutor.doctor import hostsfile, inside, laptop, network, vms
from tutor.doctor.finding import Context, Finding


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
