"""The outcome of one live check, as the CLI prints it and the TUI shows it."""

from __future__ import annotations

from dataclasses import dataclass, field

from tutor.live.catalog import scenario_for


def empty_evidence() -> dict:
    return {"url": None, "status": None, "headers": {}, "elapsed_ms": 0}


@dataclass
class CheckResult:
    """One check: `ok`, a language-neutral `code` when it failed, a message in the learner's
    language, and the evidence of the request that decided it (url, status, headers, elapsed_ms).
    `details` holds extra plain data for the TUI (per-host outcomes, counts, p-value)."""

    check: str
    ok: bool
    code: str | None
    message: str
    evidence: dict = field(default_factory=empty_evidence)
    details: dict = field(default_factory=dict)

    @property
    def scenario(self) -> str | None:
        """The simulator scenario that shows the same failure (None when passed or none fits)."""
        return None if self.ok else scenario_for(self.check, self.code)

    def to_json(self) -> dict:
        """The object `tutor check --json` prints for this check (DESIGN.md section 5)."""
        evidence = {key: self.evidence.get(key, default) for key, default in empty_evidence().items()}
        return {"check": self.check, "ok": self.ok, "code": self.code, "message": self.message,
                "evidence": evidence}
