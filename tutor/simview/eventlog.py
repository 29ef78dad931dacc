"""Event log entries: stored language-neutral, worded in the learner's language when shown."""

from __future__ import annotations

from dataclasses import dataclass, field

from rich.text import Text

from tutor.i18n import number, tr
from tutor.simview.strings import STRINGS

# Log kinds drawn as warnings / errors.
WARN_KEYS = frozenset({"ev.refused", "ev.timeout", "ev.banned", "ev.probe_failed", "ev.stop", "ev.hang",
                       "ev.poweroff", "ev.slow", "ev.retry", "ev.closed", "ev.bad_status"})
ERROR_KEYS = frozenset({"ev.no_live", "ev.error", "ev.client_refused", "ev.client_timeout"})


@dataclass(frozen=True)
class LogEntry:
    """One line of the log: `key` names a string in `strings.STRINGS`, `values` fill it in."""

    t: float
    key: str
    values: dict = field(default_factory=dict)
    repeat: int = 1  # identical lines in a row, folded into this one


def entry_text(entry: LogEntry, lang: str) -> str:
    """The entry as plain text: "t=10.0 app2 stopped"."""
    return f"t={number(entry.t, lang, '.1f')} " + tr(STRINGS, entry.key, lang, **entry.values) + _times(entry)


def format_entry(entry: LogEntry, lang: str) -> Text:
    """The entry as styled text for the log widget."""
    style = "bold red" if entry.key in ERROR_KEYS else "yellow" if entry.key in WARN_KEYS else ""
    text = Text(f"t={number(entry.t, lang, '.1f')} ", style="dim")
    text.append(tr(STRINGS, entry.key, lang, **entry.values) + _times(entry), style=style)
    return text


def _times(entry: LogEntry) -> str:
    return f" (×{entry.repeat})" if entry.repeat > 1 else ""
