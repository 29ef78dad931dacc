"""The doctor's findings for people (grouped, wrapped, one mark per severity) and as JSON."""

from __future__ import annotations

import shutil
import sys
import textwrap

from tutor.doctor.finding import TEXT, Finding
from tutor.i18n import tr
from tutor.sanitize import terminal_text

GROUPS = ("laptop", "multipass", "network", "inside", "hosts")
MARKS = {"blocker": "✗", "warning": "!", "ok": "✓", "info": "·"}
ASCII_MARKS = {"blocker": "X", "warning": "!", "ok": "+", "info": "-"}


def exit_code(findings: list[Finding]) -> int:
    """0 when nothing blocks, 1 when something does."""
    return 1 if any(f.severity == "blocker" for f in findings) else 0


def to_json(findings: list[Finding], skipped: list[str]) -> dict[str, object]:
    code = exit_code(findings)
    return {"ok": code == 0, "exit": code, "findings": [f.to_json() for f in findings], "skipped": skipped}


def human(findings: list[Finding], skipped: list[str], lang: str, width: int | None = None) -> str:
    """Findings under their group's heading, each `mark code  message` with `fix:` below it."""
    width = max(60, min(width or shutil.get_terminal_size((80, 24)).columns, 110)) - 1  # no line ends in the last column
    utf8 = (getattr(sys.stdout, "encoding", "") or "").lower().replace("-", "") == "utf8"
    marks = MARKS if utf8 else ASCII_MARKS
    lines: list[str] = []
    for group in GROUPS:
        mine = [f for f in findings if f.group == group]
        if not mine:
            continue
        lines.append(tr(TEXT, f"group.{group}", lang))
        for finding in mine:
            head = f"  {marks[finding.severity]} {finding.code}: "
            lines.extend(textwrap.wrap(finding.message, width, initial_indent=head, subsequent_indent=" " * 4,
                                       break_on_hyphens=False) or [head])
            if finding.fix:
                label = tr(TEXT, "fix_label", lang)
                lines.extend(textwrap.wrap(finding.fix, width, initial_indent=f"    {label} ",
                                           subsequent_indent=" " * (5 + len(label)), break_on_hyphens=False,
                                           break_long_words=False))
        lines.append("")
    if skipped:
        lines.append(tr(TEXT, "skipped", lang, what=", ".join(skipped[:10])))
    blockers = sum(f.severity == "blocker" for f in findings)
    warnings = sum(f.severity == "warning" for f in findings)
    lines.extend(textwrap.wrap(tr(TEXT, "summary_blocked" if blockers else "summary_ok", lang, blockers=blockers,
                                  warnings=warnings), width))
    return terminal_text("\n".join(lines))
