"""A doctor's finding and the context every probe gets (language, system, time budget)."""

from __future__ import annotations

import platform
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from tutor.course import DEFAULT_DOMAIN
from tutor.i18n import has, tr
from tutor.live import multipass
from tutor.sanitize import sanitize

TEXT = "doctor"
"""The catalogue section of the doctor's texts: "<code>.message", "<code>.fix" (or
"<code>.fix.<system>" when the fix differs by OS: linux, darwin, windows)."""

SEVERITIES = ("blocker", "warning", "ok", "info")
BUDGET = 60.0
"""Seconds the whole doctor may take; probes left when it is spent are skipped (and said so)."""
MULTIPASS_TIMEOUT = 8.0
"""Seconds one multipass command (list, version, get, networks) may take."""
EXEC_TIMEOUT = 10.0
"""Seconds one `multipass exec` into a VM may take."""


@dataclass
class Finding:
    """One thing the doctor saw: a stable `code`, a severity (blocker/warning/ok/info), the group
    of probes it came from, the evidence it saw, and the message and fix in the learner's language."""

    code: str
    severity: str
    group: str
    evidence: dict[str, object] = field(default_factory=dict)
    message: str = ""
    fix: str = ""

    def to_json(self) -> dict[str, object]:
        return {"code": self.code, "severity": self.severity, "group": self.group,
                "evidence": self.evidence, "message": self.message, "fix": self.fix}


@dataclass
class Context:
    """What every probe needs: the language, the laptop's system, the domain, the time budget."""

    lang: str = "id"
    system: str = field(default_factory=lambda: platform.system())  # Linux, Darwin, Windows
    release: str = field(default_factory=lambda: platform.release())  # Darwin: 24.x is macOS 15
    domain: str = DEFAULT_DOMAIN
    hosts_path: Path | None = None
    deadline: float = field(default_factory=lambda: time.monotonic() + BUDGET)
    skipped: list[str] = field(default_factory=list)

    @property
    def os_key(self) -> str:
        return {"Darwin": "darwin", "Windows": "windows"}.get(self.system, "linux")

    def left(self) -> float:
        return self.deadline - time.monotonic()

    def multipass(self, args: list[str], timeout: float = MULTIPASS_TIMEOUT) -> multipass.Answer:
        """`multipass ARGS` within the time left (a timeout when none is left)."""
        left = self.left()
        if left <= 0.1:
            self.skipped.append("multipass " + " ".join(args[:2]))
            return multipass.Answer(problem="timeout")
        return multipass.run(args, min(timeout, left))

    def finding(self, code: str, severity: str, group: str, evidence: Mapping[str, object] | None = None,
                **values: object) -> Finding:
        """A Finding with its message and fix looked up in the [doctor] catalogue."""
        message = tr(TEXT, f"{code}.message", self.lang, **values)
        fix = ""
        for key in (f"{code}.fix.{self.os_key}", f"{code}.fix"):
            if has(TEXT, key):
                fix = tr(TEXT, key, self.lang, **values)
                break
        clean = {name: clean_evidence(value) for name, value in (evidence or {}).items()}
        return Finding(code, severity, group, clean, message, fix)


def clean_evidence(value: object) -> object:
    """Evidence as JSON-safe, bounded, control-free values (it may come from hostile output)."""
    if isinstance(value, bool) or value is None or isinstance(value, (int, float)):
        return value
    if isinstance(value, (list, tuple)):
        return [clean_evidence(item) for item in list(value)[:16]]
    if isinstance(value, dict):
        return {sanitize(str(k), 40, markup=False): clean_evidence(v) for k, v in list(value.items())[:16]}
    return sanitize(str(value), 200, markup=False)
